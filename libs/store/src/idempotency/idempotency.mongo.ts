import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { compositeId, insertOnce, insertReportingTaken } from '../mongo-writes';
import { deleteInChunks } from '../mongo-sweeps';
import type { ClaimOutcome, IdempotencyRepository } from './idempotency.types';

interface Claim {
  /** (scope, key): the unique `_id` decides between racing claims, and lookups by `_id` never scan. */
  _id: string;
  /** Names this claim, so taking it over once expired can be decided by an insert. */
  token: string;
  expiresAt: Date;
}

/** "Claim <token> was taken over": one insert per expired claim, so exactly one taker wins it. */
interface Takeover {
  _id: string;
  at: Date;
}

const claimSchema = new Schema<Claim>(
  { _id: { type: String, required: true }, token: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'idempotency_keys', versionKey: false },
);
// The index on `expiresAt` (a TTL index on MongoDB) is made by createMongoStore: see expiry-indexes.

const takeoverSchema = new Schema<Takeover>({ _id: { type: String, required: true }, at: { type: Date, required: true } }, { collection: 'idempotency_takeovers', versionKey: false });
takeoverSchema.index({ at: 1 });

/** A takeover is done within milliseconds; its marker only has to outlive that. */
export const TAKEOVER_MARKER_TTL_MS = 60_000;

export class MongoIdempotencyRepository implements IdempotencyRepository {
  readonly model: Model<Claim>;
  readonly takeovers: Model<Takeover>;
  constructor(connection: Connection) {
    this.model = connection.model<Claim>('IdempotencyKey', claimSchema);
    this.takeovers = connection.model<Takeover>('IdempotencyTakeover', takeoverSchema);
  }

  async claim(scope: string, key: string, expiresAt: Date): Promise<boolean> {
    const _id = compositeId(scope, key);
    for (let round = 0; round < 5; round++) {
      if (await insertOnce(this.model, { _id, token: randomUUID(), expiresAt })) return true;
      const held = await this.model.findById(_id).lean().exec();
      if (!held) continue; // released in between: try again
      if (held.expiresAt > new Date()) return false;
      // Expired. A conditional delete is not enough: FerretDB v1 reads, then deletes by `_id`, so
      // it could remove a claim a racing taker has just inserted. The takeover marker picks one taker.
      if (!(await insertOnce(this.takeovers, { _id: compositeId(scope, key, held.token), at: new Date() }))) return false;
      await this.model.deleteOne({ _id }).exec();
    }
    return false;
  }

  async claimMany(scope: string, claims: ReadonlyArray<{ key: string; expiresAt: Date; holder: string }>): Promise<ClaimOutcome[]> {
    const taken = await insertReportingTaken(
      this.model,
      claims.map((c) => ({ _id: compositeId(scope, c.key), token: c.holder, expiresAt: c.expiresAt })),
    );
    if (taken.has(-1)) throw new Error('the server did not say which claims were taken');
    const outcomes: ClaimOutcome[] = claims.map(() => ({ claimed: true, again: false }));
    // Only keys someone holds are read, each by `_id`; an expired one is taken over the single-claim way.
    await Promise.all(
      [...taken].map(async (index) => {
        const { key, expiresAt, holder } = claims[index]!;
        const held = await this.model.findById(compositeId(scope, key)).lean().exec();
        if (held && held.expiresAt > new Date()) outcomes[index] = held.token === holder ? { claimed: true, again: true } : { claimed: false, holder: held.token };
        else outcomes[index] = (await this.claim(scope, key, expiresAt)) ? { claimed: true, again: false } : { claimed: false, holder: 'unknown' };
      }),
    );
    return outcomes;
  }

  async holderOf(scope: string, key: string): Promise<string | null> {
    const claim = await this.model.findById(compositeId(scope, key)).lean().exec();
    return claim && claim.expiresAt > new Date() ? claim.token : null;
  }

  async isClaimed(scope: string, key: string): Promise<boolean> {
    const claim = await this.model.findById(compositeId(scope, key)).lean().exec();
    return claim !== null && claim.expiresAt > new Date();
  }

  async release(scope: string, key: string): Promise<void> {
    await this.model.deleteOne({ _id: compositeId(scope, key) }).exec();
  }

  /** Also frees a key whose taker died between winning the takeover and deleting the old claim. */
  async sweepExpired(now: Date): Promise<number> {
    await deleteInChunks(this.takeovers, { at: { $lte: new Date(now.getTime() - TAKEOVER_MARKER_TTL_MS) } });
    return deleteInChunks(this.model, { expiresAt: { $lte: now } });
  }
}
