import { Schema, type Connection, type Model } from 'mongoose';
import { compositeId, insertOnce } from '../mongo-writes';

/**
 * What happened to a digest bucket, each fact inserted once and never changed, so racing routers
 * agree on it without atomic updates:
 * - claimed: one router won the bucket and will send it (the moment the bucket stops being open);
 * - sealed: the final list of events in the digest, written by the first who read it after the claim;
 * - sent: the digest went out;
 * - full: it reached maxItems, so it is due before its window ends.
 */
export type DigestFactKind = 'claimed' | 'sealed' | 'sent' | 'full';

export interface DigestFact {
  _id: string;
  bucketId: string;
  kind: DigestFactKind;
  at: Date;
  /** Only on `sealed`. */
  eventIds?: string[];
}

const factSchema = new Schema<DigestFact>(
  {
    _id: { type: String, required: true },
    bucketId: { type: String, required: true },
    kind: { type: String, required: true },
    at: { type: Date, required: true },
    eventIds: { type: [String], default: undefined },
  },
  { collection: 'digest_facts', versionKey: false },
);
factSchema.index({ bucketId: 1 });
factSchema.index({ kind: 1 });

export class DigestFacts {
  readonly model: Model<DigestFact>;
  constructor(connection: Connection) {
    this.model = connection.model<DigestFact>('DigestFact', factSchema);
  }

  /** True when this call recorded it; false when it was already so. */
  record(bucketId: string, kind: DigestFactKind, eventIds?: string[]): Promise<boolean> {
    return insertOnce(this.model, { _id: compositeId(bucketId, kind), bucketId, kind, at: new Date(), ...(eventIds ? { eventIds } : {}) });
  }

  get(bucketId: string, kind: DigestFactKind): Promise<DigestFact | null> {
    return this.model.findById(compositeId(bucketId, kind)).lean().exec();
  }

  /** Which of these buckets have this fact. */
  async having(bucketIds: string[], kind: DigestFactKind): Promise<Set<string>> {
    if (bucketIds.length === 0) return new Set();
    const facts = await this.model.find({ _id: { $in: bucketIds.map((id) => compositeId(id, kind)) } }, { bucketId: 1 }).lean().exec();
    return new Set(facts.map((f) => f.bucketId));
  }

  /** Every bucket with this fact (used for `full`, which is removed once the bucket is claimed). */
  async all(kind: DigestFactKind): Promise<string[]> {
    return (await this.model.find({ kind }, { bucketId: 1 }).lean().exec()).map((f) => f.bucketId);
  }

  async forget(bucketIds: string[], kind?: DigestFactKind): Promise<void> {
    await this.model.deleteMany({ bucketId: { $in: bucketIds }, ...(kind ? { kind } : {}) }).exec();
  }
}
