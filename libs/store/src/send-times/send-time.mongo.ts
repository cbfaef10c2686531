import { Schema, type Connection, type Model } from 'mongoose';
import { deleteInChunks } from '../mongo-sweeps';
import type { SendTimeProfile, SendTimeRepository } from './send-time.types';

type SendTimeDoc = Omit<SendTimeProfile, 'userId'> & { _id: string };

const sendTimeSchema = new Schema<SendTimeDoc>(
  {
    // The user id as _id: routing reads a batch's recipients with one `$in` on _id, which FerretDB answers from its index.
    _id: { type: String, required: true },
    hours: { type: [Number], required: true },
    decayedTo: { type: Date, required: true },
    samples: { type: Number, required: true },
    countedSlots: { type: [Number], default: [] },
    digestsDueAt: { type: [Date], default: [] },
    timeZone: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'send_times', versionKey: false },
);
sendTimeSchema.index({ updatedAt: 1 });

/**
 * One document per user, replaced whole by its one writer (the consumer of the user's delivery.status
 * partition). Two writers overlap only while that partition moves between routers; then the later
 * write wins and the other's hours are missing from the record, never counted twice.
 */
export class MongoSendTimeRepository implements SendTimeRepository {
  readonly model: Model<SendTimeDoc>;
  constructor(connection: Connection) {
    this.model = connection.model<SendTimeDoc>('SendTime', sendTimeSchema);
  }

  async get(userId: string): Promise<SendTimeProfile | null> {
    const doc = await this.model.findById(userId).lean().exec();
    return doc ? fromDoc(doc) : null;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, SendTimeProfile>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const docs = await this.model.find({ _id: { $in: unique } }).lean().exec();
    return new Map(docs.map((doc) => [doc._id, fromDoc(doc)]));
  }

  async putMany(profiles: readonly SendTimeProfile[]): Promise<void> {
    if (profiles.length === 0) return;
    await this.model.bulkWrite(
      profiles.map(({ userId, ...fields }) => ({ replaceOne: { filter: { _id: userId }, replacement: { _id: userId, ...fields }, upsert: true } })),
      { ordered: false },
    );
  }

  async sweepUpdatedBefore(cutoff: Date): Promise<number> {
    return deleteInChunks(this.model, { updatedAt: { $lt: cutoff } });
  }
}

function fromDoc({ _id, hours, decayedTo, samples, countedSlots, digestsDueAt, timeZone, updatedAt }: SendTimeDoc): SendTimeProfile {
  return { userId: _id, hours: [...hours], decayedTo, samples, countedSlots: [...(countedSlots ?? [])], digestsDueAt: [...(digestsDueAt ?? [])], timeZone, updatedAt };
}
