import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../connection';
import type { IdempotencyRepository } from './idempotency.types';

interface Claim {
  scope: string;
  key: string;
  expiresAt: Date;
}

const claimSchema = new Schema<Claim>(
  { scope: { type: String, required: true }, key: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'idempotency_keys', versionKey: false },
);
claimSchema.index({ scope: 1, key: 1 }, { unique: true });
claimSchema.index({ expiresAt: 1 });

export class MongoIdempotencyRepository implements IdempotencyRepository {
  readonly model: Model<Claim>;
  constructor(connection: Connection) {
    this.model = connection.model<Claim>('IdempotencyKey', claimSchema);
  }

  async claim(scope: string, key: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.model.create({ scope, key, expiresAt });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    // An expired claim may be taken over: remove it, then insert again, so the unique index (not an
    // update, which some MongoDB-wire servers do not apply atomically) decides who wins.
    const removed = await this.model.deleteOne({ scope, key, expiresAt: { $lte: new Date() } }).exec();
    if (removed.deletedCount === 0) return false;
    try {
      await this.model.create({ scope, key, expiresAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async isClaimed(scope: string, key: string): Promise<boolean> {
    return (await this.model.exists({ scope, key, expiresAt: { $gt: new Date() } }).exec()) !== null;
  }

  async release(scope: string, key: string): Promise<void> {
    await this.model.deleteOne({ scope, key }).exec();
  }

  async sweepExpired(now: Date): Promise<number> {
    return (await this.model.deleteMany({ expiresAt: { $lte: now } }).exec()).deletedCount;
  }
}
