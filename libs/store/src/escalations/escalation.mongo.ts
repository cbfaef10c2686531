import { Schema, type Connection, type Model } from 'mongoose';
import type { Notification } from '@notify/contracts';
import { deleteInChunks } from '../mongo-sweeps';
import { compositeId, insertMissing, insertReportingTaken } from '../mongo-writes';
import { stepDueAt, type Escalation, type EscalationClaim, type EscalationClaimOptions, type EscalationEnd, type EscalationRepository, type EscalationSettlement, type EscalationStep, type NewEscalation } from './escalation.types';

/**
 * `_id` is the notificationId: a redelivered event is a duplicate key, so a ladder starts once and a
 * finished one is never started again (it is kept until retention deletes it). The due time, lane and
 * partition are top-level fields, answered from one index.
 *
 * Only the claimer of a ladder's current step updates the ladder (FerretDB v1 writes back whole
 * documents, so two concurrent updates would lose one): who that is, is decided by inserting a claim
 * `(ladder, step, attempt)`; a claim whose lease is over is followed by the next attempt, again won by
 * one inserter.
 */
interface EscalationDoc {
  _id: string;
  userId: string;
  lane: Escalation['lane'];
  partition: number;
  ruleId: string | null;
  steps: EscalationStep[];
  startedAt: Date;
  next: number;
  dueAt?: Date;
  finishedAt?: Date;
  end?: EscalationEnd;
  notification: Notification;
}

interface ClaimDoc {
  _id: string;
  notificationId: string;
  step: number;
  attempt: number;
  at: Date;
}

const escalationSchema = new Schema<EscalationDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    lane: { type: String, required: true },
    partition: { type: Number, required: true },
    ruleId: { type: String, default: null },
    steps: { type: Schema.Types.Mixed, required: true },
    startedAt: { type: Date, required: true },
    next: { type: Number, required: true },
    dueAt: Date,
    finishedAt: Date,
    end: String,
    notification: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'escalations', versionKey: false, minimize: false },
);
escalationSchema.index({ dueAt: 1, lane: 1, partition: 1 });
escalationSchema.index({ finishedAt: 1 });

const claimSchema = new Schema<ClaimDoc>(
  {
    _id: { type: String, required: true },
    notificationId: { type: String, required: true },
    step: { type: Number, required: true },
    attempt: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'escalation_claims', versionKey: false },
);
claimSchema.index({ notificationId: 1 });

export class MongoEscalationRepository implements EscalationRepository {
  readonly model: Model<EscalationDoc>;
  readonly claims: Model<ClaimDoc>;
  constructor(connection: Connection) {
    this.model = connection.model<EscalationDoc>('Escalation', escalationSchema);
    this.claims = connection.model<ClaimDoc>('EscalationClaim', claimSchema);
  }

  async startMany(escalations: readonly NewEscalation[]): Promise<number> {
    const docs = escalations
      .filter((e) => e.steps.length > 0)
      .map((e): EscalationDoc => ({ _id: e.notificationId, userId: e.userId, lane: e.lane, partition: e.partition, ruleId: e.ruleId, steps: e.steps, startedAt: e.startedAt, next: 0, dueAt: stepDueAt(e.startedAt, e.steps[0]!), notification: e.notification }));
    return insertMissing(this.model, docs);
  }

  async claimDue(lane: Escalation['lane'], partitions: readonly number[], now: Date, { limit, leaseMs }: EscalationClaimOptions): Promise<EscalationClaim> {
    if (partitions.length === 0) return { claimed: [], found: 0 };
    const held = partitions.length === 1 ? partitions[0] : { $in: [...partitions] };
    const docs = await this.model.find({ dueAt: { $lte: now }, lane, partition: held }).sort({ dueAt: 1 }).limit(limit).lean().exec();
    if (docs.length === 0) return { claimed: [], found: 0 };
    const ids = docs.map((d) => d._id);
    const claims = await this.claims.find({ notificationId: ids.length === 1 ? ids[0] : { $in: ids } }).lean().exec();
    const candidates: Array<{ doc: EscalationDoc; claim: ClaimDoc }> = [];
    for (const doc of docs) {
      const last = claims.filter((c) => c.notificationId === doc._id && c.step === doc.next).sort((a, b) => b.attempt - a.attempt)[0];
      if (last && last.at.getTime() > now.getTime() - leaseMs) continue; // another router is taking it
      const attempt = (last?.attempt ?? 0) + 1;
      candidates.push({ doc, claim: { _id: compositeId(doc._id, doc.next, attempt), notificationId: doc._id, step: doc.next, attempt, at: now } });
    }
    const taken = await insertReportingTaken(this.claims, candidates.map((c) => c.claim));
    if (taken.has(-1)) throw new Error('the server did not say which escalation claims were taken');
    return { claimed: candidates.filter((_, i) => !taken.has(i)).map(({ doc }) => toEscalation(doc)), found: docs.length };
  }

  async settle(settlements: readonly EscalationSettlement[], now: Date): Promise<void> {
    await Promise.all(
      settlements.map((s) =>
        this.model
          .updateOne(
            { _id: s.notificationId, next: s.step, finishedAt: { $exists: false } },
            'nextDueAt' in s ? { $set: { next: s.step + 1, dueAt: s.nextDueAt } } : { $set: { finishedAt: now, end: s.end }, $unset: { dueAt: 1 } },
          )
          .exec(),
      ),
    );
  }

  async get(notificationId: string): Promise<Escalation | null> {
    const doc = await this.model.findById(notificationId).lean().exec();
    return doc ? toEscalation(doc) : null;
  }

  async pending(): Promise<number> {
    return this.model.countDocuments({ dueAt: { $exists: true } }).exec();
  }

  async sweepFinishedBefore(before: Date): Promise<number> {
    return deleteInChunks(this.model, { finishedAt: { $lt: before } }, { beforeDelete: async (ids) => void (await this.claims.deleteMany({ notificationId: { $in: ids } }).exec()) });
  }
}

function toEscalation(doc: EscalationDoc): Escalation {
  const { _id, next, dueAt, finishedAt, end, steps, ...rest } = doc;
  const finished = finishedAt ? { finishedAt, ...(end ? { end } : {}) } : {};
  return { notificationId: _id, ...rest, steps, next: finishedAt ? steps.length : next, ...(dueAt && !finishedAt ? { dueAt } : {}), ...finished };
}
