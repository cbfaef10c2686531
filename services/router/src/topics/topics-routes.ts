import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeIssues, UserId } from '@notify/contracts';
import { HttpError, requireScope, type ApiToken } from '@notify/http';
import type { TopicRepository } from '@notify/store';

const TopicName = z.string().min(1).max(256);
const Page = z.object({ after: UserId.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `${where}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Topic memberships for the product's backend: who follows what, so one event reaches them all (scopes topics:write, topics:read). */
export function registerTopicRoutes(app: FastifyInstance, deps: { topics: TopicRepository; tokens: readonly ApiToken[] }): void {
  const write = { preHandler: requireScope(deps.tokens, 'topics:write') };
  const paramsOf = (params: unknown) => {
    const { topic, userId } = params as { topic: unknown; userId?: unknown };
    return { topic: parse(TopicName, topic, 'topic'), userId: userId === undefined ? undefined : parse(UserId, userId, 'userId') };
  };

  app.put('/v1/topics/:topic/members/:userId', write, async (request, reply) => {
    const { topic, userId } = paramsOf(request.params);
    await deps.topics.subscribe(topic, userId!);
    return reply.status(204).send();
  });

  app.delete('/v1/topics/:topic/members/:userId', write, async (request, reply) => {
    const { topic, userId } = paramsOf(request.params);
    if (!(await deps.topics.unsubscribe(topic, userId!))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `${userId} is not a member of ${topic}`);
    return reply.status(204).send();
  });

  app.get('/v1/topics/:topic/members', { preHandler: requireScope(deps.tokens, 'topics:read') }, async (request) => {
    const { topic } = paramsOf(request.params);
    const page = parse(Page, request.query, 'query');
    const members = await deps.topics.members(topic, { limit: page.limit, ...(page.after ? { after: page.after } : {}) });
    return { members, next: members.length === page.limit ? members[members.length - 1] : null };
  });
}
