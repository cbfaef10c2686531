import type { Bus } from '@notify/bus';
import { describeIssues, topics } from '@notify/contracts';
import { HttpError } from '@notify/http';
import { RevisionConflictError, RuleExistsError, RuleNotFoundError, type Rule, type RuleAction, type RuleRepository } from '@notify/store';
import { z } from 'zod';
import { RuleDefinition } from '../rules/rule-definition';

/** A rule as ops write it (POST /v1/admin/rules). */
export const RuleCandidate = z
  .object({
    ruleId: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-"').optional().describe('Chosen by the router when absent'),
    name: z.string().min(1).max(200),
    enabled: z.boolean().optional(),
    order: z.number().int().min(0).max(1_000_000).optional().describe('Lower first when several rules match'),
    definition: z.unknown().describe('What the rule matches and decides (see docs/rules.md)'),
  })
  .strict()
  .meta({ id: 'NewRule' });

export interface RuleChangeDeps {
  rules: RuleRepository;
  bus: Bus;
}

export interface RuleInput {
  ruleId?: string;
  name: string;
  enabled?: boolean;
  order?: number;
  definition: unknown;
}

/** Rejects a definition the router could not compile, naming each problem. */
export function validDefinition(definition: unknown): Record<string, unknown> {
  const parsed = RuleDefinition.safeParse(definition);
  if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `definition: ${describeIssues(parsed.error)}`, { issues: parsed.error.issues.map((i) => ({ path: ['definition', ...i.path].join('.'), message: i.message })) });
  return parsed.data as Record<string, unknown>;
}

/** The checks a create runs, told as a verdict (for editors checking as the rule is typed). */
export function ruleVerdict(candidate: unknown): { valid: boolean; message?: string; issues: unknown[] } {
  const body = RuleCandidate.safeParse(candidate);
  if (!body.success) return { valid: false, message: `body: ${describeIssues(body.error)}`, issues: body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  try {
    validDefinition(body.data.definition);
    return { valid: true, issues: [] };
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { valid: false, message: err.message, issues: (err.details as { issues?: unknown[] } | undefined)?.issues ?? [] };
  }
}

/** Tells every router instance to reload; the rule itself is read from the store. */
async function announce(bus: Bus, ruleId: string, action: RuleAction, revision: number, actor: string): Promise<void> {
  await bus.publish(topics.rulesChanges, [{ value: { version: 1, ruleId, action, revision, actor, at: new Date().toISOString() } }]);
}

/** Store errors as the HTTP answers ops should see. */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RuleNotFoundError) throw new HttpError('NOTIFY_ERR_NOT_FOUND', err.message);
    if (err instanceof RuleExistsError || err instanceof RevisionConflictError) throw new HttpError('NOTIFY_ERR_CONFLICT', err.message);
    throw err;
  }
}

export async function createRule(deps: RuleChangeDeps, input: RuleInput, actor: string): Promise<Rule> {
  const definition = validDefinition(input.definition);
  const rule = await translated(() => deps.rules.create({ ...input, definition }, actor));
  await announce(deps.bus, rule.ruleId, 'created', rule.revision, actor);
  return rule;
}

export async function updateRule(deps: RuleChangeDeps, ruleId: string, patch: Partial<RuleInput>, actor: string, expectedRevision?: number): Promise<Rule> {
  const definition = patch.definition === undefined ? undefined : validDefinition(patch.definition);
  const rule = await translated(() => deps.rules.update(ruleId, { ...pick(patch), ...(definition ? { definition } : {}) }, actor, expectedRevision));
  await announce(deps.bus, ruleId, 'updated', rule.revision, actor);
  return rule;
}

export async function deleteRule(deps: RuleChangeDeps, ruleId: string, actor: string, expectedRevision?: number): Promise<void> {
  await translated(() => deps.rules.delete(ruleId, actor, expectedRevision));
  const history = await deps.rules.history(ruleId);
  await announce(deps.bus, ruleId, 'deleted', history.at(-1)!.revision, actor);
}

export async function rollbackRule(deps: RuleChangeDeps, ruleId: string, toRevision: number, actor: string): Promise<Rule> {
  const rule = await translated(() => deps.rules.rollback(ruleId, toRevision, actor));
  await announce(deps.bus, ruleId, 'rolled_back', rule.revision, actor);
  return rule;
}

function pick(patch: Partial<RuleInput>) {
  return {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
    ...(patch.order === undefined ? {} : { order: patch.order }),
  };
}
