import { Schema, type Connection, type Model } from 'mongoose';
import { detectServer, ensureExpiryIndex } from '../expiry-indexes';
import { deleteInChunks } from '../mongo-sweeps';
import { latestPerNotification } from './latest-per-notification';
import type { DeliveryLogEntry, DeliveryLogQuery, DeliveryLogRepository } from './delivery-log.types';

/** How many steps per notification asked `recentForUser` reads at most (a notification rarely has more). */
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

  async recentForUser(userId: string, limit: number): Promise<Array<DeliveryLogEntry & { firstAt: Date }>> {
    // A notification has a handful of steps: reading a bounded number of the user's newest steps
    // finds the latest notifications without a grouping the MongoDB-wire servers answer slowly.
    const docs = await this.model.find({ userId, notificationId: { $exists: true } }).sort({ at: -1, _id: -1 }).limit(Math.min(limit * STEPS_READ_PER_NOTIFICATION, 5000)).lean().exec();
    return latestPerNotification(docs.map(({ _id, ...entry }) => entry as DeliveryLogEntry), limit);
  }

  async expireOnServerAfter(ms: number): Promise<boolean> {
    const server = await detectServer(this.model.db);
    return ensureExpiryIndex(this.model.db, server, { collection: this.model.collection.collectionName, field: 'at', expireAfterSeconds: Math.round(ms / 1000) });
  }

  async sweepOlderThan(cutoff: Date): Promise<number> {
    return deleteInChunks(this.model, { at: { $lt: cutoff } });
  }
}
