import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../connection';
import type { IdempotencyRepository } from './idempotency.types';

interface Claim {
  /** `${scope}\u0000${key}`: every lookup is by _id, the one lookup MongoDB-wire servers such as FerretDB v1 never answer by scanning. */
  _id: string;
  expiresAt: Date;
}

const claimSchema = new Schema<Claim>({ _id: { type: String, required: true }, expiresAt: { type: Date, required: true } }, { collection: 'idempotency_keys', versionKey: false });
claimSchema.index({ expiresAt: 1 });

const idOf = (scope: string, key: string) => `${scope}\u0000${key}`;

export class MongoIdempotencyRepository implements IdempotencyRepository {
  readonly model: Model<Claim>;
  constructor(connection: Connection) {
    this.model = connection.model<Claim>('IdempotencyKey', claimSchema);
  }

  async claim(scope: string, key: string, expiresAt: Date): Promise<boolean> {
    const _id = idOf(scope, key);
    if (await this.insert(_id, expiresAt)) return true;
    // An expired claim may be taken over: remove it, then insert again, so the unique _id (not an
    // update, which some MongoDB-wire servers do not apply atomically) decides who wins.
    const removed = await this.model.deleteOne({ _id, expiresAt: { $lte: new Date() } }).exec();
    return removed.deletedCount === 1 && (await this.insert(_id, expiresAt));
  }

  async isClaimed(scope: string, key: string): Promise<boolean> {
    const claim = await this.model.findById(idOf(scope, key)).lean().exec();
    return claim !== null && claim.expiresAt > new Date();
  }

  async release(scope: string, key: string): Promise<void> {
    await this.model.deleteOne({ _id: idOf(scope, key) }).exec();
  }

  async sweepExpired(now: Date): Promise<number> {
    return (await this.model.deleteMany({ expiresAt: { $lte: now } }).exec()).deletedCount;
  }

  private async insert(_id: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.model.create({ _id, expiresAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
}
