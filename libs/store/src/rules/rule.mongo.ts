import { Schema, type Connection, type Model } from 'mongoose';
import { TransientError } from '../errors';
import { insertOnce, isDuplicateKey } from '../mongo-writes';
import { RevisionConflictError, type NewRule, type Rule, type RulePatch, type RuleRepository, type RuleVersion } from './rule.types';
import { byOrderThenId, createdVersion, deletedVersion, rolledBackVersion, updatedVersion } from './rule-changes';

const ruleFields = {
  ruleId: { type: String, required: true },
  name: { type: String, required: true },
  enabled: { type: Boolean, required: true },
  order: { type: Number, required: true },
  definition: { type: Schema.Types.Mixed, required: true },
  revision: { type: Number, required: true },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  updatedBy: { type: String, required: true },
};

const versionSchema = new Schema<RuleVersion>(
  {
    ruleId: { type: String, required: true },
    revision: { type: Number, required: true },
    action: { type: String, required: true },
    snapshot: { type: Schema.Types.Mixed, default: null },
    actor: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'rule_versions', versionKey: false, minimize: false },
);
// The arbiter of concurrent changes: only one writer can append revision N+1.
versionSchema.index({ ruleId: 1, revision: 1 }, { unique: true });

/** The current rules, kept beside the history so listing them is one query. */
const ruleSchema = new Schema<Rule>(ruleFields, { collection: 'rules', versionKey: false, minimize: false });
ruleSchema.index({ ruleId: 1 }, { unique: true });
ruleSchema.index({ order: 1, ruleId: 1 });

const RETRIES = 10;

/**
 * The history is the source of truth and only ever grows by inserts: the unique (ruleId, revision)
 * index lets one writer append revision N+1. `rules` is a copy of each rule's latest version, kept so
 * listing is one query; without transactions it is written after the history, and checked again
 * after writing (see `materialize`). A crash between the two writes leaves the copy one step behind
 * until the rule's next change or the next start (`repair`).
 */
export class MongoRuleRepository implements RuleRepository {
  readonly versions: Model<RuleVersion>;
  readonly rules: Model<Rule>;
  constructor(connection: Connection) {
    this.versions = connection.model<RuleVersion>('RuleVersion', versionSchema);
    this.rules = connection.model<Rule>('Rule', ruleSchema);
  }

  async list(): Promise<Rule[]> {
    const docs = await this.rules.find().lean().exec();
    return docs.map(stripId).sort(byOrderThenId);
  }

  async get(ruleId: string): Promise<Rule | null> {
    return (await this.latest(ruleId))?.snapshot ?? null;
  }

  async create(input: NewRule, actor: string): Promise<Rule> {
    const now = new Date();
    return this.commit(async () => createdVersion(input.ruleId ? await this.latest(input.ruleId) : null, input, actor, now), false);
  }

  async update(ruleId: string, patch: RulePatch, actor: string, expectedRevision?: number): Promise<Rule> {
    return this.commit(async () => updatedVersion(ruleId, await this.latest(ruleId), patch, actor, expectedRevision), expectedRevision !== undefined);
  }

  async delete(ruleId: string, actor: string, expectedRevision?: number): Promise<void> {
    await this.commit(async () => deletedVersion(ruleId, await this.latest(ruleId), actor, expectedRevision), expectedRevision !== undefined);
  }

  async history(ruleId: string): Promise<RuleVersion[]> {
    const docs = await this.versions.find({ ruleId }).sort({ revision: 1 }).lean().exec();
    return docs.map(toVersion);
  }

  async rollback(ruleId: string, toRevision: number, actor: string): Promise<Rule> {
    return this.commit(async () => rolledBackVersion(ruleId, await this.history(ruleId), toRevision, actor), false);
  }

  /** Brings every rule's copy in line with its history: on start, after a crash between the two writes. */
  async repair(): Promise<void> {
    const [versioned, copied] = await Promise.all([this.versions.find({}, { ruleId: 1 }).lean().exec(), this.rules.find({}, { ruleId: 1 }).lean().exec()]);
    for (const ruleId of new Set([...versioned, ...copied].map((d) => d.ruleId))) await this.materialize(ruleId);
  }

  /**
   * Appends the version `compute` derives from the latest one. When another writer appended first:
   * a caller that named the revision it read gets a conflict; one that did not is re-based on the
   * new latest version, as the in-memory store would have applied the two changes one after the other.
   */
  private async commit(compute: () => Promise<RuleVersion>, pinned: boolean): Promise<Rule> {
    for (let attempt = 1; ; attempt++) {
      const version = await compute();
      const appended = await insertOnce(this.versions, version);
      // Also after losing: the winner may have died before updating the copy.
      await this.materialize(version.ruleId);
      if (appended) return version.snapshot as Rule;
      if (pinned || attempt >= RETRIES) {
        const latest = await this.latest(version.ruleId);
        throw new RevisionConflictError(version.ruleId, version.revision - 1, latest?.revision ?? 0);
      }
    }
  }

  /** Writes the latest version into `rules`, then reads both again, until they agree. */
  private async materialize(ruleId: string): Promise<void> {
    for (let round = 0; round < RETRIES; round++) {
      // The copy first, then the history: a copy read after a newer write is never compared with older history.
      const copy = await this.rules.findOne({ ruleId }, { revision: 1 }).lean().exec();
      const latest = (await this.latest(ruleId))?.snapshot ?? null;
      if (latest === null ? copy === null : copy?.revision === latest.revision) return;
      if (latest === null) await this.rules.deleteOne({ ruleId }).exec();
      else await this.rules.replaceOne({ ruleId }, latest, { upsert: true }).exec().catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err; // a racing upsert inserted it first: compare again
      });
    }
    throw new TransientError(`the copy of rule ${ruleId} did not settle after ${RETRIES} rounds`);
  }

  private async latest(ruleId: string): Promise<RuleVersion | null> {
    const doc = await this.versions.findOne({ ruleId }).sort({ revision: -1 }).lean().exec();
    return doc ? toVersion(doc) : null;
  }
}

function stripId<T extends object>(doc: T & { _id?: unknown }): T {
  const { _id, ...rest } = doc;
  return rest as T;
}

function toVersion(doc: RuleVersion & { _id?: unknown }): RuleVersion {
  const version = stripId(doc);
  return { ...version, snapshot: version.snapshot ? { ...version.snapshot, createdAt: new Date(version.snapshot.createdAt), updatedAt: new Date(version.snapshot.updatedAt) } : null };
}
