import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { TransientError } from '../errors';
import { deleteInChunks } from '../mongo-sweeps';
import { compositeId, insertOnce } from '../mongo-writes';
import { DigestFacts } from './digest-facts.mongo';
import type { AddToDigest, DigestBucket, DigestItem, DigestRepository, DigestStatus, DigestsWaiting } from './digest.types';

/**
 * No event lost, none sent twice, without transactions or atomic updates (FerretDB v1 has neither):
 * - an item is its own document, `_id` (userId, digestKey, eventId): a redelivered event is one item;
 * - one open bucket per key: a unique `openSlot` that only the open bucket holds;
 * - closing is inserting the `claimed` fact (see digest-facts): exactly one router wins. An add that
 *   inserted its item and then finds no claim is in the digest, because the closer reads the items
 *   only after claiming. One that finds a claim looks at the `sealed` list and, if its item missed
 *   it, takes the item out and adds it to the next bucket.
 * The bucket's status fields are a copy of the facts for querying, kept by `sync`; the queries
 * double-check the facts, so a copy that lags never makes a bucket due or recoverable twice.
 */
interface BucketDoc {
  _id: string;
  userId: string;
  digestKey: string;
  /** (userId, digestKey) while open; (closed, bucketId) afterwards, freeing the slot for the next bucket. */
  openSlot: string;
  openedAt: Date;
  flushAt: Date;
  maxItems: number;
  status: DigestStatus;
  closedAt?: Date;
  sentAt?: Date;
}

interface ItemDoc extends DigestItem {
  _id: string;
  userId: string;
  digestKey: string;
  bucketId: string;
}

const bucketSchema = new Schema<BucketDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    digestKey: { type: String, required: true },
    openSlot: { type: String, required: true },
    openedAt: { type: Date, required: true },
    flushAt: { type: Date, required: true },
    maxItems: { type: Number, required: true },
    status: { type: String, required: true },
    closedAt: Date,
    sentAt: Date,
  },
  { collection: 'digests', versionKey: false },
);
// A string in every bucket (never missing or null): unique indexes treat missing fields differently across servers.
bucketSchema.index({ openSlot: 1 }, { unique: true });
bucketSchema.index({ status: 1, flushAt: 1 });
bucketSchema.index({ status: 1, closedAt: 1 });
bucketSchema.index({ sentAt: 1 });

const itemSchema = new Schema<ItemDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    digestKey: { type: String, required: true },
    bucketId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String },
    title: String,
    body: String,
    data: Schema.Types.Mixed,
    at: { type: Date, required: true },
  },
  { collection: 'digest_items', versionKey: false, minimize: false },
);
itemSchema.index({ bucketId: 1, at: 1 });

const ROUNDS = 10;
const openSlotOf = (userId: string, digestKey: string) => compositeId(userId, digestKey);
const closedSlotOf = (bucketId: string) => compositeId('closed', bucketId);

export class MongoDigestRepository implements DigestRepository {
  readonly buckets: Model<BucketDoc>;
  readonly items: Model<ItemDoc>;
  readonly facts: DigestFacts;
  constructor(connection: Connection) {
    this.buckets = connection.model<BucketDoc>('DigestBucket', bucketSchema);
    this.items = connection.model<ItemDoc>('DigestItem', itemSchema);
    this.facts = new DigestFacts(connection);
  }

  async add(input: AddToDigest): Promise<{ bucket: DigestBucket; added: boolean; full: boolean }> {
    const { userId, digestKey, item } = input;
    const itemId = compositeId(userId, digestKey, item.eventId);
    for (let round = 0; round < ROUNDS; round++) {
      const held = await this.items.findById(itemId).lean().exec();
      if (held) {
        if (!(await this.keeps(held.bucketId, itemId, item.eventId))) continue;
        const bucket = await this.view(held.bucketId);
        return { bucket, added: false, full: bucket.items.length >= bucket.maxItems };
      }
      const open = await this.openBucket(input);
      if (!(await insertOnce(this.items, { ...item, _id: itemId, userId, digestKey, bucketId: open._id }))) continue;
      if (!(await this.keeps(open._id, itemId, item.eventId))) continue;
      const bucket = await this.view(open._id);
      const full = bucket.items.length >= bucket.maxItems;
      if (full) await this.facts.record(open._id, 'full');
      return { bucket, added: true, full };
    }
    throw new TransientError(`could not add event ${item.eventId} to digest ${digestKey} of ${userId}: too much contention`);
  }

  async due(now: Date, limit: number): Promise<DigestBucket[]> {
    const full = await this.facts.all('full');
    const docs = await this.buckets
      .find({ status: 'open', $or: [{ flushAt: { $lte: now } }, { _id: { $in: full } }] })
      .sort({ flushAt: 1 })
      .limit(limit)
      .lean()
      .exec();
    const claimed = await this.facts.having(docs.map((d) => d._id), 'claimed');
    await Promise.all([...claimed].map((id) => this.sync(id)));
    return Promise.all(docs.filter((d) => !claimed.has(d._id)).map((d) => this.view(d._id)));
  }

  async close(bucketId: string): Promise<DigestBucket | null> {
    if (!(await this.buckets.exists({ _id: bucketId }))) return null;
    if (!(await this.facts.record(bucketId, 'claimed'))) {
      // Someone else won it. Their status copy may be missing if they died right after claiming.
      await this.sync(bucketId);
      return null;
    }
    await this.sync(bucketId);
    await this.seal(bucketId);
    await this.facts.forget([bucketId], 'full');
    return this.view(bucketId);
  }

  async markSent(bucketId: string): Promise<void> {
    // Only a closed bucket can have been sent.
    if (!(await this.facts.get(bucketId, 'claimed'))) return;
    await this.facts.record(bucketId, 'sent');
    await this.sync(bucketId);
  }

  async listClosedUnsent(limit: number, closedBefore?: Date): Promise<DigestBucket[]> {
    const filter = { status: 'closed' as const, ...(closedBefore ? { closedAt: { $lt: closedBefore } } : {}) };
    const docs = await this.buckets.find(filter).sort({ closedAt: 1 }).limit(limit).lean().exec();
    const sent = await this.facts.having(docs.map((d) => d._id), 'sent');
    await Promise.all([...sent].map((id) => this.sync(id)));
    const unsent = docs.filter((d) => !sent.has(d._id));
    // A closer that died before sealing left the seal to whoever recovers the bucket.
    await Promise.all(unsent.map((d) => this.seal(d._id)));
    return Promise.all(unsent.map((d) => this.view(d._id)));
  }

  /** From the status copies: a bucket claimed a moment ago may still count as open. */
  async waiting(): Promise<DigestsWaiting> {
    const [open, next, full] = await Promise.all([
      this.buckets.countDocuments({ status: 'open' }).exec(),
      this.buckets.findOne({ status: 'open' }, { flushAt: 1 }).sort({ flushAt: 1 }).lean().exec(),
      this.facts.all('full'),
    ]);
    const fullOpen = full.length === 0 ? 0 : await this.buckets.countDocuments({ status: 'open', _id: { $in: full } }).exec();
    return { open, full: fullOpen, nextFlushAt: next?.flushAt ?? null };
  }

  /** In batches of a few queries each (FerretDB v1 scans a collection once per query, whatever the batch size). */
  async sweepSentBefore(cutoff: Date): Promise<number> {
    return deleteInChunks(this.buckets, { status: 'sent', sentAt: { $lt: cutoff } }, {
      // Items first: while an item exists, its bucket does.
      beforeDelete: async (ids) => {
        await this.items.deleteMany({ bucketId: { $in: ids } }).exec();
        await this.facts.forget(ids);
      },
      // A bucket holds many items, and deleting them lists every one in one statement.
      chunk: 100,
    });
  }

  /** The one open bucket of the key, opened by this call if there is none. */
  private async openBucket(input: AddToDigest): Promise<BucketDoc> {
    const openSlot = openSlotOf(input.userId, input.digestKey);
    for (let round = 0; round < ROUNDS; round++) {
      const open = await this.buckets.findOne({ openSlot }).lean().exec();
      if (open) {
        if (!(await this.facts.get(open._id, 'claimed'))) return open;
        await this.sync(open._id); // being closed: free its slot, then open the next one
        continue;
      }
      const fresh: BucketDoc = { _id: randomUUID(), userId: input.userId, digestKey: input.digestKey, openSlot, openedAt: new Date(), flushAt: input.flushAt, maxItems: input.maxItems, status: 'open' };
      if (await insertOnce(this.buckets, fresh)) return fresh;
    }
    throw new TransientError(`could not open a digest ${input.digestKey} for ${input.userId}: too much contention`);
  }

  /** After an item is in the bucket: true if it is part of that bucket's digest; false if it was taken out (add again). */
  private async keeps(bucketId: string, itemId: string, eventId: string): Promise<boolean> {
    if (!(await this.facts.get(bucketId, 'claimed'))) return true;
    if ((await this.seal(bucketId)).includes(eventId)) return true;
    await this.items.deleteOne({ _id: itemId, bucketId }).exec();
    return false;
  }

  /** The bucket's final event list. Only call once the claim is seen: the first list written wins. */
  private async seal(bucketId: string): Promise<string[]> {
    const sealed = await this.facts.get(bucketId, 'sealed');
    if (sealed) return sealed.eventIds ?? [];
    const items = await this.items.find({ bucketId }, { eventId: 1 }).sort({ at: 1, eventId: 1 }).lean().exec();
    await this.facts.record(
      bucketId,
      'sealed',
      items.map((i) => i.eventId),
    );
    return (await this.facts.get(bucketId, 'sealed'))!.eventIds ?? [];
  }

  /** Copies the facts into the bucket's status fields, then reads again until the copy holds. */
  private async sync(bucketId: string): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      // The bucket first, then the facts: facts read later are never older than the copy.
      const doc = await this.buckets.findById(bucketId).lean().exec();
      const [claimed, sent] = await Promise.all([this.facts.get(bucketId, 'claimed'), this.facts.get(bucketId, 'sent')]);
      if (!doc || !claimed) return;
      const want: Partial<BucketDoc> = { status: sent ? 'sent' : 'closed', openSlot: closedSlotOf(bucketId), closedAt: new Date(claimed.at), ...(sent ? { sentAt: new Date(sent.at) } : {}) };
      const same = doc.status === want.status && doc.openSlot === want.openSlot && doc.closedAt?.getTime() === want.closedAt!.getTime() && doc.sentAt?.getTime() === want.sentAt?.getTime();
      if (same) return;
      await this.buckets.updateOne({ _id: bucketId }, { $set: want }).exec();
    }
    throw new TransientError(`the status of digest ${bucketId} did not settle after ${ROUNDS} rounds`);
  }

  private async view(bucketId: string): Promise<DigestBucket> {
    const doc = await this.buckets.findById(bucketId).lean().exec();
    if (!doc) throw new TransientError(`digest ${bucketId} disappeared while being read`);
    const [items, sealed] = await Promise.all([this.items.find({ bucketId }).sort({ at: 1, eventId: 1 }).lean().exec(), this.facts.get(bucketId, 'sealed')]);
    const kept = sealed ? items.filter((i) => sealed.eventIds?.includes(i.eventId)) : items;
    const { _id, openSlot: _slot, ...bucket } = doc;
    return {
      ...bucket,
      bucketId: _id,
      items: kept.map(({ eventId, type, title, body, data, at }) => ({ eventId, at: new Date(at), ...(type === undefined ? {} : { type }), ...(title === undefined ? {} : { title }), ...(body === undefined ? {} : { body }), ...(data === undefined ? {} : { data }) })),
    };
  }
}
