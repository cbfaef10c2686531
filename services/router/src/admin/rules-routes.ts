import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { topics, validate, type Notification, type NotifyEvent } from '@notify/contracts';
import { HttpError, refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { PreferencesRepository, Rule } from '@notify/store';
import { RuleSet } from '../rules/compile';
import type { RulesCache } from '../rules/rules-cache';
import { createRule, deleteRule, RuleCandidate, rollbackRule, ruleVerdict, updateRule, validDefinition, type RuleChangeDeps } from '../usecases/change-rules';
import { planDelivery, type DeliveryLane } from '../usecases/plan-delivery';
import { decideDelivery, type DeliveryDecisionInput, type RecipientFate } from '../usecases/decide-delivery';
import type { RecentEvents } from '../rules/recent-events';
import type { RuleHits } from '../rules/rule-hits';
import type { EffectiveOutcome } from '../rules/defaults';
import { alwaysPasses, pushesPerDay } from '../budgets/decide-budget';

const RuleBody = RuleCandidate;
const RulePatchBody = RuleBody.omit({ ruleId: true }).partial().extend({ expectedRevision: z.number().int().positive().optional().describe('Refused with 409 when the rule moved on') }).strict();
const RollbackBody = z.object({ toRevision: z.number().int().positive() }).strict();
const DryRunBody = z.object({ event: z.unknown().describe('An event envelope, as POST /v1/events takes'), candidate: RuleBody.optional().describe('An unsaved rule to try out') }).strict();
const RuleParams = z.object({ ruleId: z.string().min(1).max(64) });
const Rule = z
  .object({ ruleId: z.string(), name: z.string(), enabled: z.boolean(), order: z.number(), definition: z.record(z.string(), z.unknown()), revision: z.number(), createdAt: z.date(), updatedAt: z.date(), updatedBy: z.string() })
  .meta({ id: 'Rule' });
const RuleVersion = z
  .object({ ruleId: z.string(), revision: z.number(), action: z.enum(['created', 'updated', 'deleted', 'rolled_back']), snapshot: Rule.nullable().describe('The rule after the change; null once deleted'), actor: z.string(), at: z.date() })
  .meta({ id: 'RuleVersion' });
const DryRun = z.looseObject({ ruleId: z.string().nullable(), plan: z.unknown(), recipients: z.array(z.looseObject({ userId: z.string(), online: z.boolean(), lanes: z.array(z.string()) })) });
const Verdict = z.looseObject({ valid: z.boolean(), message: z.string().optional(), issues: z.array(z.unknown()) });
const tags = ['rules'];

const actorOf = (request: FastifyRequest) => request.caller!.name;

/**
 * The ops API for priority rules. Every change is validated (the same schema the router compiles),
 * versioned with its actor, and announced on rules.changes so every router instance reloads.
 */
type RulesRouteDeps = RuleChangeDeps & {
  cache: RulesCache;
  tokens: readonly ApiToken[];
  preferences: PreferencesRepository;
  isOnline: (userId: string) => boolean;
  /** Users' learned read times, so a dry run of a digest sent at the user's best hour says when. */
  sendTimesOf?: DeliveryDecisionInput['sendTimesOf'];
  /** Each rule's hits over the last minute (the counters behind notify_rule_hits_total). */
  hits: Pick<RuleHits, 'lastMinute'>;
  /** The last events routed per type, to dry-run a rule on real traffic. */
  recent: Pick<RecentEvents, 'of' | 'knownTypes'>;
};

/**
 * What routing would do for each recipient, with their preferences and presence as they are now:
 * the decision routing itself makes (decideDelivery), told per user.
 */
async function recipientEffects(deps: RulesRouteDeps, ruleId: string | null, event: NotifyEvent, lane: DeliveryLane, notifications: Notification[], outcome: EffectiveOutcome, now: Date) {
  const fates = await decideDelivery({
    ruleId,
    outcome,
    lane,
    notifications,
    category: event.category,
    isOnline: deps.isOnline,
    preferencesOf: async (userIds) => new Map(await Promise.all(userIds.map(async (userId) => [userId, await deps.preferences.get(userId)] as const))),
    ...(deps.sendTimesOf ? { sendTimesOf: deps.sendTimesOf } : {}),
    now,
  });
  // A budget's limit is the user's own number when they set one; what they spent today is GET /v1/users/:id/budgets.
  const budgetPreferences = outcome.budget ? new Map(await Promise.all(notifications.map(async (n) => [n.userId, await deps.preferences.get(n.userId)] as const))) : null;
  return notifications.map((n) => {
    const mine = fates.filter((f) => f.notification.userId === n.userId);
    const budgeted = outcome.budget && mine.some((f) => f.kind === 'send' && f.lane !== 'inapp') ? outcome.budget : null;
    const fate = <K extends RecipientFate['kind']>(kind: K) => mine.find((f): f is Extract<RecipientFate, { kind: K }> => f.kind === kind);
    const suppressed = fate('suppressed');
    const held = fate('held_quiet_hours');
    const digest = fate('digest');
    const capped = mine.find((f): f is Extract<RecipientFate, { kind: 'send' }> => f.kind === 'send' && f.rateCap !== null);
    const quietUntil = held?.until ?? suppressed?.quietUntil;
    return {
      userId: n.userId,
      online: deps.isOnline(n.userId),
      lanes: [...new Set(mine.flatMap((f) => (f.lane ? [f.lane] : [])))],
      ...(suppressed ? { suppressed: suppressed.reason } : {}),
      ...(quietUntil ? { quietHours: { until: quietUntil.toISOString(), pushes: outcome.quietHours } } : {}),
      ...(digest ? { digest: { digestKey: digest.digestKey, sendAt: digest.flushAt.toISOString(), windowMs: outcome.batching?.windowMs, maxItems: digest.maxItems, ...(digest.sendTime ? { sendTime: { sendAt: digest.sendTime.sendAt, source: digest.sendTime.source, hour: digest.sendTime.hour } } : {}) } } : {}),
      ...(capped?.rateCap ? { rateCap: capped.rateCap } : {}),
      ...(budgeted ? { budget: { category: budgeted.category, pushesPerDay: pushesPerDay(budgeted, budgetPreferences?.get(n.userId)), alwaysPasses: alwaysPasses(n.priority), shedTo: budgeted.shedTo ?? 'inbox' } } : {}),
    };
  });
}

export function registerRulesRoutes(app: FastifyInstance, deps: RulesRouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const preValidation = requireToken(deps.tokens, ['admin']);
  const base = '/v1/admin/rules';
  // Read your writes: this router routes and judges intake by the change before it answers (the
  // others catch up from rules.changes), so an event sent right after a new rule is not refused.
  const applied = async <T>(change: Promise<T>): Promise<T> => {
    const result = await change;
    await deps.cache.reload();
    return result;
  };

  // Live validation for editors: the checks a create or update runs, answered as a verdict, not a 400.
  api.post(`${base}/validate`, { preValidation, schema: { summary: 'Check a rule without saving it: a verdict, never a 400', tags, body: z.unknown().describe('A rule, as POST /v1/admin/rules takes'), response: { 200: Verdict, ...refusals(401, 403) } } }, async (request) => ruleVerdict(request.body));

  api.get(`${base}/hits`, { preValidation, schema: { summary: 'How often each rule decided over the last minute', tags, response: { 200: z.object({ windowSeconds: z.number(), hits: z.record(z.string(), z.number()) }), ...refusals(401, 403) } } }, async () => ({ windowSeconds: 60, hits: deps.hits.lastMinute() }));

  api.get('/v1/admin/events/recent', { preValidation, schema: { summary: 'The last events routed, per type, to dry-run a rule on real traffic', tags, querystring: z.object({ type: z.string().min(1).max(128).optional().describe('Without it: only the types known') }), response: { 200: z.object({ types: z.array(z.string()), events: z.array(z.unknown()) }), ...refusals(400, 401, 403) } } }, async (request) => {
    const type = request.query.type;
    if (!type) return { types: deps.recent.knownTypes(), events: [] };
    return { types: deps.recent.knownTypes(), events: deps.recent.of(type) };
  });

  api.get(base, { preValidation, schema: { summary: 'Every rule, and what this router has loaded', tags, response: { 200: z.object({ rules: z.array(Rule), loaded: z.object({ version: z.string(), skipped: z.array(z.object({ ruleId: z.string(), name: z.string(), why: z.string() })).describe('Rules this router could not compile, and why') }) }), ...refusals(401, 403) } } }, async () => {
    const rules = await deps.rules.list();
    return { rules, loaded: { version: deps.cache.current.version, skipped: [...deps.cache.current.skipped] } };
  });

  api.post(base, { preValidation, schema: { summary: 'Create a rule (every router reloads)', tags, body: RuleBody, response: { 201: Rule, ...refusals(400, 401, 403, 409) } } }, async (request, reply) => {
    return reply.status(201).send(await applied(createRule(deps, request.body, actorOf(request))));
  });

  api.get(`${base}/:ruleId`, { preValidation, schema: { summary: 'One rule', tags, params: RuleParams, response: { 200: Rule, ...refusals(401, 403, 404) } } }, async (request) => {
    const rule = await deps.rules.get(request.params.ruleId);
    if (!rule) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `rule ${request.params.ruleId} does not exist`);
    return rule;
  });

  api.patch(`${base}/:ruleId`, { preValidation, schema: { summary: 'Change a rule, optionally only if it is still at a revision', tags, params: RuleParams, body: RulePatchBody, response: { 200: Rule, ...refusals(400, 401, 403, 404, 409) } } }, async (request) => {
    const { expectedRevision, ...patch } = request.body;
    return applied(updateRule(deps, request.params.ruleId, patch, actorOf(request), expectedRevision));
  });

  api.delete(`${base}/:ruleId`, { preValidation, schema: { summary: 'Delete a rule, optionally only if it is still at a revision', tags, params: RuleParams, querystring: z.object({ expectedRevision: z.coerce.number().int().positive().optional() }), response: { 204: z.null().describe('Deleted'), ...refusals(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    await applied(deleteRule(deps, request.params.ruleId, actorOf(request), request.query.expectedRevision));
    return reply.status(204).send(null);
  });

  api.get(`${base}/:ruleId/history`, { preValidation, schema: { summary: 'Every revision of a rule, with who made it', tags, params: RuleParams, response: { 200: z.object({ versions: z.array(RuleVersion) }), ...refusals(401, 403, 404) } } }, async (request) => {
    const versions = await deps.rules.history(request.params.ruleId);
    if (versions.length === 0) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `rule ${request.params.ruleId} has no history`);
    return { versions };
  });

  api.post(`${base}/:ruleId/rollback`, { preValidation, schema: { summary: 'Make an earlier revision current again (a new revision)', tags, params: RuleParams, body: RollbackBody, response: { 200: Rule, ...refusals(400, 401, 403, 404) } } }, async (request) => {
    return applied(rollbackRule(deps, request.params.ruleId, request.body.toRevision, actorOf(request)));
  });

  // Which rule would decide this event, what would happen, and why; optionally with an unsaved rule tried out.
  api.post('/v1/admin/rules/dry-run', { preValidation, schema: { summary: 'Which rule would decide an event, what would happen to each recipient, and why', tags, body: DryRunBody, response: { 200: DryRun, ...refusals(400, 401, 403) } } }, async (request) => {
    const { event: candidateEvent, candidate } = request.body;
    const checked = validate(topics.notifyEvents, candidateEvent);
    if (!checked.ok) throw new HttpError('NOTIFY_ERR_VALIDATION', `event: ${checked.message}`);
    let ruleSet = deps.cache.current;
    if (candidate) {
      const now = new Date();
      const trial: Rule = { ruleId: candidate.ruleId ?? '(candidate)', name: candidate.name, enabled: candidate.enabled ?? true, order: candidate.order ?? 100, definition: validDefinition(candidate.definition), revision: 0, createdAt: now, updatedAt: now, updatedBy: actorOf(request) };
      ruleSet = RuleSet.compile([...(await deps.rules.list()).filter((r) => r.ruleId !== trial.ruleId), trial]);
    }
    const now = new Date();
    const explanation = ruleSet.explain(checked.value);
    const plan = planDelivery(checked.value, explanation.outcome, now);
    const answer = { ...explanation, plan, recipients: plan.kind === 'deliver' ? await recipientEffects(deps, explanation.ruleId, checked.value, plan.lane, plan.notifications, explanation.outcome, now) : [] };
    // The explanation's own type names its fields; the schema documents them and lets each through.
    return answer as typeof answer & z.infer<typeof DryRun>;
  });
}
