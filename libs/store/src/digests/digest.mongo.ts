import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { TransientError } from '../errors';
import { isDuplicateKey } from '../connection';
import type { AddToDigest, DigestBucket, DigestItem, DigestRepository, DigestStatus } from './digest.types';

/**
 * Concurrency without atomic updates: MongoDB-wire servers such as FerretDB v1 apply updates as
 * read-modify-write, so two racing `$push`es can lose one and two compare-and-set updates can both
 * win. Every contended step here is therefore an insert guarded by a unique index:
 * - an item is its own document, unique per (userId, digestKey, eventId): no event lost or doubled;
 * - one open bucket per key: a unique `openSlot` that only open buckets hold;
 * - closing: a claim document per bucket, so exactly one router sends it.
 * After the claim, the closer alone flips the bucket to closed, reads its items and writes them down
 * as the bucket's `sealed` list. An add that finds its bucket closed waits for the seal and, if its
 * item missed it, moves the item to the next bucket.
 */
interface BucketDoc {
  bucketId: string;
  userId: string;
  digestKey: string;
  status: DigestStatus;
  openSlot: string;
  openedAt: Date;
  flushAt: Date;
  maxItems: number;
  full: boolean;
  closedAt?: Date;
  sealed?: string[];
  sentAt?: Date;
}

interface ItemDoc extends DigestItem {
  userId: string;
  digestKey: string;
  bucketId: string;
}

const bucketSchema = new Schema<BucketDoc>(
  {
    bucketId: { type: String, required: true },
    userId: { type: String, required: true },
    digestKey: { type: String, required: true },
    status: { type: String, required: true },
    openSlot: { type: String, required: true },
    openedAt: { type: Date, required: true },
    flushAt: { type: Date, required: true },
    maxItems: { type: Number, required: true },
    full: { type: Boolean, required: true },
    closedAt: Date,
    sealed: { type: [String], default: undefined },
    sentAt: Date,
  },
  { collection: 'digests', versionKey: false },
);
bucketSchema.index({ bucketId: 1 }, { unique: true });
bucketSchema.index({ openSlot: 1 }, { unique: true });
bucketSchema.index({ status: 1, flushAt: 1 });

const itemSchema = new Schema<ItemDoc>(
  {
    userId: { type: String, required: true },
    digestKey: { type: String, required: true },
    bucketId: { type: String, required: true },
    eventId: { type: String, required: true },
    title: String,
    body: String,
    data: Schema.Types.Mixed,
    at: { type: Date, required: true },
  },
  { collection: 'digest_items', versionKey: false, minimize: false },
);
itemSchema.index({ userId: 1, digestKey: 1, eventId: 1 }, { unique: true });
itemSchema.index({ bucketId: 1, at: 1 });

const claimSchema = new Schema<{ _id: string; at: Date }>({ _id: { type: String, required: true }, at: { type: Date, required: true } }, { collection: 'digest_claims', versionKey: false });

const slotOf = (userId: string, digestKey: string) => `open|${userId}|${digestKey}`;
const SEAL_WAIT_MS = 5000;

export class MongoDigestRepository implements DigestRepository {
  readonly buckets: Model<BucketDoc>;
  readonly items: Model<ItemDoc>;
  readonly claims: Model<{ _id: string; at: Date }>;
  constructor(connection: Connection) {
    this.buckets = connection.model<BucketDoc>('DigestBucket', bucketSchema);
    this.items = connection.model<ItemDoc>('DigestItem', itemSchema);
    this.claims = connection.model<{ _id: string; at: Date }>('DigestClaim', claimSchema);
  }

  async add(input: AddToDigest): Promise<{ bucket: DigestBucket; added: boolean; full: boolean }> {
    const { userId, digestKey, item } = input;
    for (let attempt = 0; attempt < 10; attempt++) {
      const existing = await this.items.findOne({ userId, digestKey, eventId: item.eventId }).lean().exec();
      if (existing) {
        const holder = (await this.bucketView(existing.bucketId))!;
        return { bucket: holder, added: false, full: holder.items.length >= holder.maxItems };
      }
      const open = await this.openBucket(input);
      try {
        await this.items.create({ ...item, userId, digestKey, bucketId: open.bucketId });
      } catch (err) {
        if (isDuplicateKey(err)) continue; // the same event raced in: report it as held
        throw err;
      }
      if (!(await this.stillHolds(open.bucketId, item.eventId, userId, digestKey))) continue;
      const bucket = (await this.bucketView(open.bucketId))!;
      const full = bucket.items.length >= bucket.maxItems;
      if (full && !open.full) await this.buckets.updateOne({ bucketId: open.bucketId }, { $set: { full: true } }).exec();
      return { bucket, added: true, full };
    }
    throw new TransientError(`could not add event ${item.eventId} to digest ${digestKey} of ${userId}: too much contention`);
  }

  async due(now: Date, limit: number): Promise<DigestBucket[]> {
    const docs = await this.buckets
      .find({ status: 'open', $or: [{ flushAt: { $lte: now } }, { full: true }] })
      .sort({ flushAt: 1 })
      .limit(limit)
      .lean()
      .exec();
    return Promise.all(docs.map((d) => this.withItems(d)));
  }

  async close(bucketId: string): Promise<DigestBucket | null> {
    const bucket = await this.buckets.findOne({ bucketId }).lean().exec();
    if (!bucket || bucket.status !== 'open') return null;
    try {
      await this.claims.create({ _id: bucketId, at: new Date() });
    } catch (err) {
      if (isDuplicateKey(err)) return null; // another router claimed it
      throw err;
    }
    return this.seal(bucketId);
  }

  async markSent(bucketId: string): Promise<void> {
    await this.buckets.updateOne({ bucketId, status: 'closed' }, { $set: { status: 'sent', sentAt: new Date() } }).exec();
  }

  async listClosedUnsent(limit: number): Promise<DigestBucket[]> {
    const docs = await this.buckets.find({ status: 'closed' }).sort({ closedAt: 1 }).limit(limit).lean().exec();
    // A closer that died between claiming and sealing left the seal to whoever recovers the bucket.
    return Promise.all(docs.map(async (d) => (d.sealed ? this.withItems(d) : (await this.seal(d.bucketId))!)));
  }

  async sweepSentBefore(cutoff: Date): Promise<number> {
    const sent = await this.buckets.find({ status: 'sent', sentAt: { $lt: cutoff } }, { bucketId: 1 }).lean().exec();
    const ids = sent.map((b) => b.bucketId);
    if (ids.length === 0) return 0;
    await this.items.deleteMany({ bucketId: { $in: ids } }).exec();
    await this.claims.deleteMany({ _id: { $in: ids } }).exec();
    return (await this.buckets.deleteMany({ bucketId: { $in: ids } }).exec()).deletedCount;
  }

  /** The one open bucket of the key, opened by this call if there is none. */
  private async openBucket(input: AddToDigest): Promise<BucketDoc> {
    const slot = slotOf(input.userId, input.digestKey);
    for (;;) {
      const open = await this.buckets.findOne({ openSlot: slot }).lean().exec();
      if (open) return open;
      const fresh: BucketDoc = {
        bucketId: randomUUID(),
        userId: input.userId,
        digestKey: input.digestKey,
        status: 'open',
        openSlot: slot,
        openedAt: new Date(),
        flushAt: input.flushAt,
        maxItems: input.maxItems,
        full: false,
      };
      try {
        await this.buckets.create(fresh);
        return fresh;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }

  /** Only the claimant gets here: flip to closed, then read the items, then write them down. */
  private async seal(bucketId: string): Promise<DigestBucket | null> {
    await this.buckets.updateOne({ bucketId, status: 'open' }, { $set: { status: 'closed', closedAt: new Date(), openSlot: `closed|${bucketId}` } }).exec();
    const items = await this.items.find({ bucketId }).sort({ at: 1, eventId: 1 }).lean().exec();
    await this.buckets.updateOne({ bucketId, sealed: { $exists: false } }, { $set: { sealed: items.map((i) => i.eventId) } }).exec();
    return this.bucketView(bucketId);
  }

  /** After inserting an item: true if it belongs to its bucket's digest, false if it was moved out (retry). */
  private async stillHolds(bucketId: string, eventId: string, userId: string, digestKey: string): Promise<boolean> {
    const deadline = Date.now() + SEAL_WAIT_MS;
    for (;;) {
      const bucket = await this.buckets.findOne({ bucketId }).lean().exec();
      if (bucket?.status === 'open') return true; // the closer's read comes after its flip, so it will see this item
      if (bucket?.sealed) {
        if (bucket.sealed.includes(eventId)) return true;
        await this.items.deleteOne({ userId, digestKey, eventId, bucketId }).exec();
        return false;
      }
      if (Date.now() > deadline) throw new TransientError(`digest ${bucketId} was claimed but not sealed within ${SEAL_WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async bucketView(bucketId: string): Promise<DigestBucket | null> {
    const doc = await this.buckets.findOne({ bucketId }).lean().exec();
    return doc ? this.withItems(doc) : null;
  }

  private async withItems(doc: BucketDoc & { _id?: unknown }): Promise<DigestBucket> {
    const items = await this.items.find({ bucketId: doc.bucketId }).sort({ at: 1, eventId: 1 }).lean().exec();
    const kept = doc.sealed ? items.filter((i) => doc.sealed!.includes(i.eventId)) : items;
    const { _id, openSlot: _slot, full: _full, sealed: _sealed, ...bucket } = doc;
    return {
      ...bucket,
      items: kept.map(({ eventId, title, body, data, at }) => ({ eventId, at: new Date(at), ...(title === undefined ? {} : { title }), ...(body === undefined ? {} : { body }), ...(data === undefined ? {} : { data }) })),
    };
  }
}
