import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues, topics, validate, type Notification, type NotifyEvent } from '@notify/contracts';
import { HttpError, requireToken, type ApiToken } from '@notify/http';
import type { PreferencesRepository, Rule } from '@notify/store';
import { RuleSet } from '../rules/compile';
import type { RulesCache } from '../rules/rules-cache';
import { createRule, deleteRule, rollbackRule, updateRule, validDefinition, type RuleChangeDeps } from '../usecases/change-rules';
import { planDelivery, type DeliveryLane } from '../usecases/plan-delivery';
import { decideDelivery, type RecipientFate } from '../usecases/decide-delivery';
import type { RecentEvents } from '../rules/recent-events';
import type { RuleHits } from '../rules/rule-hits';
import type { EffectiveOutcome } from '../rules/defaults';

const RuleId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-"');
const RuleBody = z.object({ ruleId: RuleId.optional(), name: z.string().min(1).max(200), enabled: z.boolean().optional(), order: z.number().int().min(0).max(1_000_000).optional(), definition: z.unknown() }).strict();
const RulePatchBody = RuleBody.omit({ ruleId: true }).partial().extend({ expectedRevision: z.number().int().positive().optional() }).strict();
const RollbackBody = z.object({ toRevision: z.number().int().positive() }).strict();
const DryRunBody = z.object({ event: z.unknown(), candidate: RuleBody.optional() }).strict();

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `${where}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

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
    now,
  });
  return notifications.map((n) => {
    const mine = fates.filter((f) => f.notification.userId === n.userId);
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
      ...(digest ? { digest: { digestKey: digest.digestKey, sendAt: digest.flushAt.toISOString(), windowMs: outcome.batching?.windowMs, maxItems: digest.maxItems } } : {}),
      ...(capped?.rateCap ? { rateCap: capped.rateCap } : {}),
    };
  });
}

export function registerRulesRoutes(app: FastifyInstance, deps: RulesRouteDeps): void {
  const preHandler = requireToken(deps.tokens, ['admin']);
  const base = '/v1/admin/rules';
  // Read your writes: this router routes and judges intake by the change before it answers (the
  // others catch up from rules.changes), so an event sent right after a new rule is not refused.
  const applied = async <T>(change: Promise<T>): Promise<T> => {
    const result = await change;
    await deps.cache.reload();
    return result;
  };

  // Live validation for editors: the checks a create or update runs, answered as a verdict, not a 400.
  app.post(`${base}/validate`, { preHandler }, async (request) => {
    const body = RuleBody.safeParse(request.body);
    if (!body.success) return { valid: false, message: `body: ${describeIssues(body.error)}`, issues: body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
    try {
      validDefinition(body.data.definition);
      return { valid: true, issues: [] };
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      return { valid: false, message: err.message, issues: (err.details as { issues?: unknown[] } | undefined)?.issues ?? [] };
    }
  });

  app.get(`${base}/hits`, { preHandler }, async () => ({ windowSeconds: 60, hits: deps.hits.lastMinute() }));

  app.get<{ Querystring: { type?: string } }>('/v1/admin/events/recent', { preHandler }, async (request) => {
    const type = request.query.type;
    if (!type) return { types: deps.recent.knownTypes(), events: [] };
    return { types: deps.recent.knownTypes(), events: deps.recent.of(type) };
  });

  app.get(base, { preHandler }, async () => {
    const rules = await deps.rules.list();
    return { rules, loaded: { version: deps.cache.current.version, skipped: deps.cache.current.skipped } };
  });

  app.post(base, { preHandler }, async (request, reply) => {
    const body = parse(RuleBody, request.body, 'body');
    return reply.status(201).send(await applied(createRule(deps, body, actorOf(request))));
  });

  app.get<{ Params: { ruleId: string } }>(`${base}/:ruleId`, { preHandler }, async (request) => {
    const rule = await deps.rules.get(request.params.ruleId);
    if (!rule) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `rule ${request.params.ruleId} does not exist`);
    return rule;
  });

  app.patch<{ Params: { ruleId: string } }>(`${base}/:ruleId`, { preHandler }, async (request) => {
    const { expectedRevision, ...patch } = parse(RulePatchBody, request.body, 'body');
    return applied(updateRule(deps, request.params.ruleId, patch, actorOf(request), expectedRevision));
  });

  app.delete<{ Params: { ruleId: string }; Querystring: { expectedRevision?: string } }>(`${base}/:ruleId`, { preHandler }, async (request, reply) => {
    const expected = request.query.expectedRevision === undefined ? undefined : parse(z.coerce.number().int().positive(), request.query.expectedRevision, 'expectedRevision');
    await applied(deleteRule(deps, request.params.ruleId, actorOf(request), expected));
    return reply.status(204).send();
  });

  app.get<{ Params: { ruleId: string } }>(`${base}/:ruleId/history`, { preHandler }, async (request) => {
    const versions = await deps.rules.history(request.params.ruleId);
    if (versions.length === 0) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `rule ${request.params.ruleId} has no history`);
    return { versions };
  });

  app.post<{ Params: { ruleId: string } }>(`${base}/:ruleId/rollback`, { preHandler }, async (request) => {
    const { toRevision } = parse(RollbackBody, request.body, 'body');
    return applied(rollbackRule(deps, request.params.ruleId, toRevision, actorOf(request)));
  });

  // Which rule would decide this event, what would happen, and why; optionally with an unsaved rule tried out.
  app.post('/v1/admin/rules/dry-run', { preHandler }, async (request) => {
    const { event: candidateEvent, candidate } = parse(DryRunBody, request.body, 'body');
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
    return { ...explanation, plan, recipients: plan.kind === 'deliver' ? await recipientEffects(deps, explanation.ruleId, checked.value, plan.lane, plan.notifications, explanation.outcome, now) : [] };
  });
}
