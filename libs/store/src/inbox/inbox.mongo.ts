import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../connection';
import { TransientError } from '../errors';
import { STATE_TIMESTAMP, stateRank, type InboxItem, type InboxPage, type InboxPageQuery, type InboxRepository, type InboxState, type NewInboxItem } from './inbox.types';

type InboxDoc = InboxItem & { stateRank: number };

const READ = stateRank('read');
const ARCHIVED = stateRank('archived');

const inboxSchema = new Schema<InboxDoc>(
  {
    notificationId: { type: String, required: true },
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
    // The state as a number, so "unread" and "forward only" are plain range queries.
    stateRank: { type: Number, required: true },
    deliveredAt: Date,
    seenAt: Date,
    readAt: Date,
    archivedAt: Date,
  },
  { collection: 'inbox', versionKey: false, minimize: false },
);
inboxSchema.index({ notificationId: 1 }, { unique: true });
inboxSchema.index({ userId: 1, seq: 1 }, { unique: true });
inboxSchema.index({ userId: 1, stateRank: 1 });
// Retention is a sweeper, not a TTL index: the MongoDB-wire servers we support do not all have TTL indexes.
inboxSchema.index({ expiresAt: 1 });

export class MongoInboxRepository implements InboxRepository {
  readonly model: Model<InboxDoc>;
  constructor(connection: Connection) {
    this.model = connection.model<InboxDoc>('InboxItem', inboxSchema);
  }

  async append(item: NewInboxItem): Promise<{ item: InboxItem; created: boolean }> {
    // The next seq is the user's highest + 1; the unique (userId, seq) index settles a race, and the
    // loser takes the next number. No counter document: servers without atomic $inc would lose increments.
    for (let attempt = 0; attempt < 20; attempt++) {
      const existing = await this.findById(item.notificationId);
      if (existing) return { item: existing, created: false };
      const last = await this.model.findOne({ userId: item.userId }, { seq: 1 }).sort({ seq: -1 }).lean().exec();
      try {
        await this.model.create({ ...item, seq: (last?.seq ?? 0) + 1, state: 'sent', stateRank: 0 });
        return { item: (await this.findById(item.notificationId))!, created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new TransientError(`could not append ${item.notificationId} to the inbox of ${item.userId}: too much contention`);
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
    const doc = await this.model.findOne({ userId, notificationId }).lean().exec();
    return doc ? toItem(doc) : null;
  }

  async setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null> {
    const rank = stateRank(state);
    const set: Record<string, unknown> = { state, stateRank: rank };
    const field = STATE_TIMESTAMP[state];
    if (field) set[field] = new Date();
    const updated = await this.model
      .findOneAndUpdate({ userId, notificationId, stateRank: { $lt: rank } }, { $set: set }, { returnDocument: 'after', lean: true })
      .exec();
    return updated ? toItem(updated) : this.get(userId, notificationId);
  }

  async markAllRead(userId: string): Promise<number> {
    const result = await this.model.updateMany({ userId, stateRank: { $lt: READ } }, { $set: { state: 'read', stateRank: READ, readAt: new Date() } }).exec();
    return result.modifiedCount;
  }

  async unreadCount(userId: string): Promise<number> {
    return this.model.countDocuments({ userId, stateRank: { $lt: READ } }).exec();
  }

  async sweepExpired(now: Date): Promise<number> {
    return (await this.model.deleteMany({ expiresAt: { $lte: now } }).exec()).deletedCount;
  }

  private async findById(notificationId: string): Promise<InboxItem | null> {
    const doc = await this.model.findOne({ notificationId }).lean().exec();
    return doc ? toItem(doc) : null;
  }
}

function toItem(doc: InboxDoc & { _id?: unknown }): InboxItem {
  const { _id, stateRank: _rank, ...item } = doc;
  return item;
}
