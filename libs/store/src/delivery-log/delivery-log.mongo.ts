import { Schema, Types, type Connection, type Model, type QueryFilter } from 'mongoose';
import { detectServer, ensureExpiryIndex } from '../expiry-indexes';
import { deleteInChunks } from '../mongo-sweeps';
import { afterUserPosition, decodeHistoryCursor, decodeUserCursor, encodeCursor, InvalidCursorError, newerNotificationFirst } from './delivery-log-cursor';
import type { DeliveryLogEntry, DeliveryLogQuery, DeliveryLogRepository, Page, PageRequest, UserNotification } from './delivery-log.types';

/** About how many steps a notification has: `userNotifications` reads this many per notification asked at a time. */
const STEPS_READ_PER_NOTIFICATION = 12;

const entrySchema = new Schema<DeliveryLogEntry>(
  {
    notificationId: String,
    eventId: { type: String, required: true },
    userId: String,
    status: { type: String, required: true },
    channel: String,
    reason: String,
    service: { type: String, required: true },
    at: { type: Date, required: true },
    detail: Schema.Types.Mixed,
  },
  { collection: 'delivery_log', versionKey: false },
);
entrySchema.index({ notificationId: 1, at: 1 });
entrySchema.index({ eventId: 1, at: 1 });
entrySchema.index({ userId: 1, at: -1 });
// The index on `at` (a TTL index on MongoDB once the router sets the retention) is made by createMongoStore: see expiry-indexes.

export class MongoDeliveryLogRepository implements DeliveryLogRepository {
  readonly model: Model<DeliveryLogEntry>;
  constructor(connection: Connection) {
    this.model = connection.model<DeliveryLogEntry>('DeliveryLogEntry', entrySchema);
  }

  async append(entry: DeliveryLogEntry): Promise<void> {
    await this.model.create(entry);
  }

  async appendMany(entries: readonly DeliveryLogEntry[]): Promise<void> {
    // Ordered: the `_id`s are made in this order, and they break ties in `history`.
    if (entries.length > 0) await this.model.insertMany(entries, { ordered: true, lean: true });
  }

  async history(query: DeliveryLogQuery): Promise<DeliveryLogEntry[]> {
    // _id breaks ties between entries written in the same millisecond, in insertion order.
    const docs = await this.model.find(query).sort({ at: 1, _id: 1 }).lean().exec();
    return docs.map(({ _id, ...entry }) => entry as DeliveryLogEntry);
  }

  async historyPage(query: DeliveryLogQuery, page: PageRequest): Promise<Page<DeliveryLogEntry>> {
    const after = page.cursor === undefined ? undefined : decodeHistoryCursor(page.cursor);
    let filter: QueryFilter<DeliveryLogEntry> = { ...query };
    if (after) {
      if (!Types.ObjectId.isValid(after.key)) throw new InvalidCursorError();
      const at = new Date(after.at);
      filter = { ...query, $or: [{ at: { $gt: at } }, { at, _id: { $gt: new Types.ObjectId(after.key) } }] };
    }
    // One more than asked tells whether there is a next page.
    const docs = await this.model.find(filter).sort({ at: 1, _id: 1 }).limit(page.limit + 1).lean().exec();
    const items = docs.slice(0, page.limit);
    const last = items.at(-1);
    return { items: items.map(({ _id, ...entry }) => entry as DeliveryLogEntry), next: docs.length > page.limit && last ? encodeCursor({ at: last.at.getTime(), key: String(last._id) }) : null };
  }

  async userNotifications(userId: string, page: PageRequest): Promise<Page<UserNotification>> {
    const after = page.cursor === undefined ? undefined : decodeUserCursor(page.cursor);
    // The user's steps are read newest first, a chunk at a time, from the cursor's time down (a notification
    // older than the cursor has its first step there). Each notification seen is read whole, for its first
    // and latest step. Every notification whose first step is newer than the oldest step read so far has
    // been seen: once those fill the page (or the steps run out), the page is certain. No grouping: the
    // MongoDB-wire servers answer those slowly.
    const chunk = Math.min(Math.max((page.limit + 1) * STEPS_READ_PER_NOTIFICATION, 100), 5000);
    const known = new Map<string, UserNotification>();
    let scanned: { at: Date; _id: Types.ObjectId } | undefined;
    for (;;) {
      const base: QueryFilter<DeliveryLogEntry> = { userId, notificationId: { $exists: true }, ...(after ? { at: { $lte: new Date(after.firstAt) } } : {}) };
      const filter = scanned ? { $and: [base, { $or: [{ at: { $lt: scanned.at } }, { at: scanned.at, _id: { $lt: scanned._id } }] }] } : base;
      const steps = await this.model.find(filter, { notificationId: 1, at: 1 }).sort({ at: -1, _id: -1 }).limit(chunk).lean().exec();
      const unseen = [...new Set(steps.map((s) => s.notificationId!))].filter((id) => !known.has(id));
      if (unseen.length > 0) {
        const whole = await this.model.find({ notificationId: { $in: unseen } }).sort({ at: 1, _id: 1 }).lean().exec();
        for (const { _id, ...entry } of whole) {
          const id = entry.notificationId!;
          known.set(id, { ...(entry as DeliveryLogEntry), notificationId: id, firstAt: known.get(id)?.firstAt ?? entry.at });
        }
      }
      const exhausted = steps.length < chunk;
      const oldest = steps.at(-1);
      const candidates = [...known.values()].filter((n) => afterUserPosition(n, after)).sort(newerNotificationFirst);
      const certain = exhausted || !oldest ? candidates : candidates.filter((n) => n.firstAt.getTime() > oldest.at.getTime());
      if (exhausted || certain.length > page.limit) {
        const items = certain.slice(0, page.limit);
        const last = items.at(-1);
        return { items, next: certain.length > page.limit && last ? encodeCursor({ firstAt: last.firstAt.getTime(), notificationId: last.notificationId }) : null };
      }
      scanned = { at: oldest!.at, _id: oldest!._id as Types.ObjectId };
    }
  }

  async expireOnServerAfter(ms: number): Promise<boolean> {
    const server = await detectServer(this.model.db);
    return ensureExpiryIndex(this.model.db, server, { collection: this.model.collection.collectionName, field: 'at', expireAfterSeconds: Math.round(ms / 1000) });
  }

  async sweepOlderThan(cutoff: Date): Promise<number> {
    return deleteInChunks(this.model, { at: { $lt: cutoff } });
  }
}
