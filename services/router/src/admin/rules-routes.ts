import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues, topics, validate } from '@notify/contracts';
import { HttpError, requireToken, type ApiToken } from '@notify/http';
import type { Rule } from '@notify/store';
import { RuleSet } from '../rules/compile';
import type { RulesCache } from '../rules/rules-cache';
import { createRule, deleteRule, rollbackRule, updateRule, validDefinition, type RuleChangeDeps } from '../usecases/change-rules';
import { planDelivery } from '../usecases/plan-delivery';

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
export function registerRulesRoutes(app: FastifyInstance, deps: RuleChangeDeps & { cache: RulesCache; tokens: readonly ApiToken[] }): void {
  const preHandler = requireToken(deps.tokens, ['admin']);
  const base = '/v1/admin/rules';

  app.get(base, { preHandler }, async () => {
    const rules = await deps.rules.list();
    return { rules, loaded: { version: deps.cache.current.version, skipped: deps.cache.current.skipped } };
  });

  app.post(base, { preHandler }, async (request, reply) => {
    const body = parse(RuleBody, request.body, 'body');
    return reply.status(201).send(await createRule(deps, body, actorOf(request)));
  });

  app.get<{ Params: { ruleId: string } }>(`${base}/:ruleId`, { preHandler }, async (request) => {
    const rule = await deps.rules.get(request.params.ruleId);
    if (!rule) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `rule ${request.params.ruleId} does not exist`);
    return rule;
  });

  app.patch<{ Params: { ruleId: string } }>(`${base}/:ruleId`, { preHandler }, async (request) => {
    const { expectedRevision, ...patch } = parse(RulePatchBody, request.body, 'body');
    return updateRule(deps, request.params.ruleId, patch, actorOf(request), expectedRevision);
  });

  app.delete<{ Params: { ruleId: string }; Querystring: { expectedRevision?: string } }>(`${base}/:ruleId`, { preHandler }, async (request, reply) => {
    const expected = request.query.expectedRevision === undefined ? undefined : parse(z.coerce.number().int().positive(), request.query.expectedRevision, 'expectedRevision');
    await deleteRule(deps, request.params.ruleId, actorOf(request), expected);
    return reply.status(204).send();
  });

  app.get<{ Params: { ruleId: string } }>(`${base}/:ruleId/history`, { preHandler }, async (request) => {
    const versions = await deps.rules.history(request.params.ruleId);
    if (versions.length === 0) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `rule ${request.params.ruleId} has no history`);
    return { versions };
  });

  app.post<{ Params: { ruleId: string } }>(`${base}/:ruleId/rollback`, { preHandler }, async (request) => {
    const { toRevision } = parse(RollbackBody, request.body, 'body');
    return rollbackRule(deps, request.params.ruleId, toRevision, actorOf(request));
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
    const explanation = ruleSet.explain(checked.value);
    return { ...explanation, plan: planDelivery(checked.value, explanation.outcome, new Date()) };
  });
}
