import { Schema, type Connection, type Model } from 'mongoose';
import { TransientError } from '../errors';
import { isDuplicateKey } from '../mongo-writes';
import { InboxSequence } from './inbox-sequence.mongo';
import { InboxStateMarks, matches, type StateFields } from './inbox-states.mongo';
import { stateRank, type InboxItem, type InboxPage, type InboxPageQuery, type InboxRepository, type InboxState, type NewInboxItem } from './inbox.types';

/** `_id` is the notificationId: the idempotency check and every per-item lookup are `_id` lookups. */
type InboxDoc = Omit<InboxItem, 'notificationId'> & { _id: string; stateRank: number };

const READ = stateRank('read');
const ARCHIVED = stateRank('archived');
const CONVERGE_ROUNDS = 10;
/** Items one sweep round deletes, and rounds per sweep: what is left waits for the next run. */
const SWEEP_BATCH = 1000;
const SWEEP_ROUNDS = 10;

const inboxSchema = new Schema<InboxDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    priority: { type: String, required: true },
    category: String,
    tenant: String,
    content: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: Date,
    collapseKey: String,
    seq: { type: Number, required: true },
    state: { type: String, required: true },
    // The state as a number, so "unread" and "not archived" are plain range queries.
    stateRank: { type: Number, required: true },
    deliveredAt: Date,
    seenAt: Date,
    readAt: Date,
    archivedAt: Date,
  },
  { collection: 'inbox', versionKey: false, minimize: false },
);
// The cursor: unique, so two appends for one user can never share a number.
inboxSchema.index({ userId: 1, seq: 1 }, { unique: true });
inboxSchema.index({ userId: 1, stateRank: 1 });
// Retention is `sweepExpired`, never a TTL index: a swept item's number must be protected (a seq
// floor) before the item goes, which the server's own deletes would not do.
inboxSchema.index({ expiresAt: 1 });
inboxSchema.index({ createdAt: 1 });

export class MongoInboxRepository implements InboxRepository {
  readonly model: Model<InboxDoc>;
  readonly marks: InboxStateMarks;
  readonly sequence: InboxSequence;
  constructor(connection: Connection) {
    this.model = connection.model<InboxDoc>('InboxItem', inboxSchema);
    this.marks = new InboxStateMarks(connection);
    this.sequence = new InboxSequence(connection, async (userId) => (await this.model.findOne({ userId }, { seq: 1 }).sort({ seq: -1 }).lean().exec())?.seq ?? 0);
  }

  async append(item: NewInboxItem): Promise<{ item: InboxItem; created: boolean }> {
    const { notificationId, ...fields } = item;
    for (let attempt = 0; attempt < 20; attempt++) {
      const existing = await this.model.findById(notificationId).lean().exec();
      if (existing) return { item: toItem(existing), created: false };
      const seq = await this.sequence.next(item.userId);
      try {
        await this.model.create({ ...fields, _id: notificationId, seq, state: 'sent', stateRank: 0 });
        return { item: toItem((await this.model.findById(notificationId).lean().exec())!), created: true };
      } catch (err) {
        // Either the same notification raced in (the next round returns it) or the number was taken.
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new TransientError(`could not append ${notificationId} to the inbox of ${item.userId}: too much contention`);
  }

  async listAfter(userId: string, afterSeq: number, limit: number): Promise<InboxItem[]> {
    const docs = await this.model.find({ userId, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit).lean().exec();
    return docs.map(toItem);
  }

  async page(userId: string, query: InboxPageQuery): Promise<InboxPage> {
    const filter: Record<string, unknown> = { userId };
    if (query.before !== undefined) filter.seq = { $lt: query.before };
    if (query.unreadOnly) filter.stateRank = { $lt: READ };
    else if (!query.includeArchived) filter.stateRank = { $lt: ARCHIVED };
    if (query.category !== undefined) filter.category = query.category;
    const docs = await this.model.find(filter).sort({ seq: -1 }).limit(query.limit + 1).lean().exec();
    const items = docs.slice(0, query.limit).map(toItem);
    return { items, nextCursor: docs.length > query.limit ? items[items.length - 1]!.seq : null };
  }

  async get(userId: string, notificationId: string): Promise<InboxItem | null> {
    const doc = await this.model.findById(notificationId).lean().exec();
    return doc && doc.userId === userId ? toItem(doc) : null;
  }

  async setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null> {
    const item = await this.get(userId, notificationId);
    if (!item || stateRank(state) <= stateRank(item.state)) return item;
    await this.marks.record([{ notificationId, userId, state }]);
    const [doc] = await this.converge([notificationId]);
    return doc ? toItem(doc) : null;
  }

  async markAllRead(userId: string): Promise<number> {
    const unread = await this.model.find({ userId, stateRank: { $lt: READ } }, { _id: 1 }).lean().exec();
    if (unread.length === 0) return 0;
    const marked = await this.marks.record(unread.map((d) => ({ notificationId: d._id, userId, state: 'read' as const })));
    await this.converge(unread.map((d) => d._id));
    return marked;
  }

  async unreadCount(userId: string): Promise<number> {
    return this.model.countDocuments({ userId, stateRank: { $lt: READ } }).exec();
  }

  /**
   * In batches, each a few queries whatever its size (FerretDB v1 scans the collection once per
   * query): find, protect the numbers, delete by `_id`, forget the state marks. Deleting by the
   * found ids, not by the date filter again, so an item stored meanwhile is never deleted unprotected.
   */
  async sweepExpired(now: Date, createdBefore?: Date): Promise<number> {
    const expired = { expiresAt: { $lte: now } };
    const filter = createdBefore ? { $or: [expired, { createdAt: { $lt: createdBefore } }] } : expired;
    let removed = 0;
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const found = await this.model.find(filter, { userId: 1, seq: 1 }).limit(SWEEP_BATCH).lean().exec();
      if (found.length === 0) break;
      await this.sequence.protect(found);
      const ids = found.map((d) => d._id);
      removed += (await this.model.deleteMany({ _id: { $in: ids } }).exec()).deletedCount;
      await this.marks.forget(ids);
      if (found.length < SWEEP_BATCH) break;
    }
    return removed;
  }

  /**
   * Writes the state fields the marks call for, then reads again: a racing writer may have put back
   * what it computed from fewer marks. Each writer checks after its own write, so the last one
   * leaves the documents matching the marks.
   */
  private async converge(ids: string[]): Promise<InboxDoc[]> {
    for (let round = 0; round < CONVERGE_ROUNDS; round++) {
      const docs = ids.length === 1 ? [await this.model.findById(ids[0]).lean().exec()].filter((d) => d !== null) : await this.model.find({ _id: { $in: ids } }).lean().exec();
      const expected = await this.marks.expected(docs);
      const stale = docs.filter((d) => !matches(d, expected.get(d._id)!));
      if (stale.length === 0) return docs;
      await this.model.bulkWrite(stale.map((d) => ({ updateOne: { filter: { _id: d._id }, update: { $set: definedFields(expected.get(d._id)!) } } })));
    }
    throw new TransientError(`inbox states of ${ids.length} notification(s) did not settle after ${CONVERGE_ROUNDS} rounds`);
  }
}

function definedFields(fields: StateFields): Partial<StateFields> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function toItem(doc: InboxDoc): InboxItem {
  const { _id, stateRank: _rank, ...item } = doc;
  return { notificationId: _id, ...item };
}
