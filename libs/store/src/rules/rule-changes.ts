import { randomUUID } from 'node:crypto';
import { RevisionConflictError, RuleExistsError, RuleNotFoundError, type NewRule, type Rule, type RuleAction, type RulePatch, type RuleVersion } from './rule.types';

/**
 * The rule lifecycle as pure functions over the latest version, shared by both repositories:
 * each returns the version to append, or throws the error the caller should see.
 */
export function createdVersion(latest: RuleVersion | null, input: NewRule, actor: string, now = new Date()): RuleVersion {
  const ruleId = input.ruleId ?? randomUUID();
  if (latest?.snapshot) throw new RuleExistsError(ruleId);
  const revision = (latest?.revision ?? 0) + 1;
  const rule: Rule = { ruleId, name: input.name, enabled: input.enabled ?? true, order: input.order ?? 100, definition: input.definition, revision, createdAt: now, updatedAt: now, updatedBy: actor };
  return { ruleId, revision, action: 'created', snapshot: rule, actor, at: now };
}

export function updatedVersion(ruleId: string, latest: RuleVersion | null, patch: RulePatch, actor: string, expectedRevision?: number, now = new Date()): RuleVersion {
  const current = currentRule(ruleId, latest, expectedRevision);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as RulePatch;
  return next(current, { ...current, ...defined }, 'updated', actor, now);
}

export function deletedVersion(ruleId: string, latest: RuleVersion | null, actor: string, expectedRevision?: number, now = new Date()): RuleVersion {
  const current = currentRule(ruleId, latest, expectedRevision);
  return { ruleId, revision: current.revision + 1, action: 'deleted', snapshot: null, actor, at: now };
}

export function rolledBackVersion(ruleId: string, history: RuleVersion[], toRevision: number, actor: string, now = new Date()): RuleVersion {
  const latest = history[history.length - 1];
  const target = history.find((v) => v.revision === toRevision);
  if (!latest || !target) throw new RuleNotFoundError(`${ruleId}@${toRevision}`);
  if (!target.snapshot) throw new RuleNotFoundError(`${ruleId}@${toRevision} (that revision is a deletion)`);
  const revision = latest.revision + 1;
  const createdAt = latest.snapshot?.createdAt ?? target.snapshot.createdAt;
  const rule: Rule = { ...target.snapshot, revision, createdAt, updatedAt: now, updatedBy: actor };
  return { ruleId, revision, action: 'rolled_back', snapshot: rule, actor, at: now };
}

function currentRule(ruleId: string, latest: RuleVersion | null, expectedRevision?: number): Rule {
  if (!latest?.snapshot) throw new RuleNotFoundError(ruleId);
  if (expectedRevision !== undefined && expectedRevision !== latest.revision) throw new RevisionConflictError(ruleId, expectedRevision, latest.revision);
  return latest.snapshot;
}

function next(current: Rule, changed: Rule, action: RuleAction, actor: string, now: Date): RuleVersion {
  const revision = current.revision + 1;
  return { ruleId: current.ruleId, revision, action, snapshot: { ...changed, ruleId: current.ruleId, revision, createdAt: current.createdAt, updatedAt: now, updatedBy: actor }, actor, at: now };
}

export function byOrderThenId(a: Rule, b: Rule): number {
  return a.order - b.order || a.ruleId.localeCompare(b.ruleId);
}
