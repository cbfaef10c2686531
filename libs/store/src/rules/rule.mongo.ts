import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../connection';
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

/**
 * The history is the source of truth; `rules` is its latest state. Without transactions, a crash
 * between the two writes leaves `rules` one step behind: the next conflicting writer repairs it.
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
    return this.append(createdVersion(input.ruleId ? await this.latest(input.ruleId) : null, input, actor));
  }

  async update(ruleId: string, patch: RulePatch, actor: string, expectedRevision?: number): Promise<Rule> {
    return this.append(updatedVersion(ruleId, await this.latest(ruleId), patch, actor, expectedRevision));
  }

  async delete(ruleId: string, actor: string, expectedRevision?: number): Promise<void> {
    await this.append(deletedVersion(ruleId, await this.latest(ruleId), actor, expectedRevision));
  }

  async history(ruleId: string): Promise<RuleVersion[]> {
    const docs = await this.versions.find({ ruleId }).sort({ revision: 1 }).lean().exec();
    return docs.map(toVersion);
  }

  async rollback(ruleId: string, toRevision: number, actor: string): Promise<Rule> {
    return this.append(rolledBackVersion(ruleId, await this.history(ruleId), toRevision, actor));
  }

  private async latest(ruleId: string): Promise<RuleVersion | null> {
    const doc = await this.versions.findOne({ ruleId }).sort({ revision: -1 }).lean().exec();
    return doc ? toVersion(doc) : null;
  }

  private async append(version: RuleVersion): Promise<Rule> {
    try {
      await this.versions.create(version);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const latest = await this.latest(version.ruleId);
      await this.materialize(latest!);
      throw new RevisionConflictError(version.ruleId, version.revision - 1, latest!.revision);
    }
    await this.materialize(version);
    return version.snapshot as Rule;
  }

  private async materialize(version: RuleVersion): Promise<void> {
    if (version.snapshot) await this.rules.replaceOne({ ruleId: version.ruleId }, version.snapshot, { upsert: true }).exec();
    else await this.rules.deleteOne({ ruleId: version.ruleId }).exec();
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
