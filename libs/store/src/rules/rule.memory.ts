import { RevisionConflictError, type NewRule, type Rule, type RulePatch, type RuleRepository, type RuleVersion } from './rule.types';
import { byOrderThenId, createdVersion, deletedVersion, rolledBackVersion, updatedVersion } from './rule-changes';

export class MemoryRuleRepository implements RuleRepository {
  private readonly versions = new Map<string, RuleVersion[]>();

  async list(): Promise<Rule[]> {
    return [...this.versions.values()]
      .map((h) => h[h.length - 1]!.snapshot)
      .filter((r): r is Rule => r !== null)
      .sort(byOrderThenId)
      .map((r) => structuredClone(r));
  }

  async get(ruleId: string): Promise<Rule | null> {
    const snapshot = this.latest(ruleId)?.snapshot;
    return snapshot ? structuredClone(snapshot) : null;
  }

  async create(input: NewRule, actor: string): Promise<Rule> {
    return this.append(createdVersion(input.ruleId ? this.latest(input.ruleId) : null, input, actor));
  }

  async update(ruleId: string, patch: RulePatch, actor: string, expectedRevision?: number): Promise<Rule> {
    return this.append(updatedVersion(ruleId, this.latest(ruleId), patch, actor, expectedRevision));
  }

  async delete(ruleId: string, actor: string, expectedRevision?: number): Promise<void> {
    await this.append(deletedVersion(ruleId, this.latest(ruleId), actor, expectedRevision));
  }

  async history(ruleId: string): Promise<RuleVersion[]> {
    return structuredClone(this.versions.get(ruleId) ?? []);
  }

  async rollback(ruleId: string, toRevision: number, actor: string): Promise<Rule> {
    return this.append(rolledBackVersion(ruleId, this.versions.get(ruleId) ?? [], toRevision, actor));
  }

  private latest(ruleId: string): RuleVersion | null {
    const history = this.versions.get(ruleId);
    return history?.[history.length - 1] ?? null;
  }

  private append(version: RuleVersion): Rule {
    const history = this.versions.get(version.ruleId) ?? [];
    const latest = history[history.length - 1];
    if (latest && latest.revision + 1 !== version.revision) throw new RevisionConflictError(version.ruleId, version.revision - 1, latest.revision);
    history.push(structuredClone(version));
    this.versions.set(version.ruleId, history);
    return structuredClone(version.snapshot) as Rule;
  }
}
