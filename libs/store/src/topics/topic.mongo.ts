import { Schema, type Connection, type Model } from 'mongoose';
import { compositeId, insertOnce } from '../mongo-writes';
import type { TopicRepository } from './topic.types';

interface Membership {
  /** [topic, userId]: subscribing twice hits the unique _id. */
  _id: string;
  topic: string;
  userId: string;
}

const membershipSchema = new Schema<Membership>(
  { _id: { type: String, required: true }, topic: { type: String, required: true }, userId: { type: String, required: true } },
  { collection: 'topic_members', versionKey: false },
);
membershipSchema.index({ topic: 1, userId: 1 });

export class MongoTopicRepository implements TopicRepository {
  readonly model: Model<Membership>;
  constructor(connection: Connection) {
    this.model = connection.model<Membership>('TopicMember', membershipSchema);
  }

  async subscribe(topic: string, userId: string): Promise<void> {
    await insertOnce(this.model, { _id: compositeId(topic, userId), topic, userId });
  }

  async unsubscribe(topic: string, userId: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: compositeId(topic, userId) }).exec()).deletedCount === 1;
  }

  async members(topic: string, options: { after?: string; limit: number }): Promise<string[]> {
    const filter = options.after === undefined ? { topic } : { topic, userId: { $gt: options.after } };
    const docs = await this.model.find(filter, { userId: 1 }).sort({ userId: 1 }).limit(options.limit).lean().exec();
    return docs.map((d) => d.userId);
  }
}
