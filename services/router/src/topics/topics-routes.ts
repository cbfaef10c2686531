import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UserId } from '@notify/contracts';
import { HttpError, refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { TopicRepository } from '@notify/store';

const TopicName = z.string().min(1).max(256).describe('Any name the product chooses, such as "match:42"');
const Member = z.object({ topic: TopicName, userId: UserId });
const Page = z
  .object({ after: UserId.optional().describe('The `next` of the previous page'), limit: z.coerce.number().int().min(1).max(1000).default(100) })
  .strict();
const tags = ['topics'];

/** Topic memberships for the product's backend: who follows what, so one event reaches them all (scopes topics:write, topics:read). */
export function registerTopicRoutes(app: FastifyInstance, deps: { topics: TopicRepository; tokens: readonly ApiToken[] }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const write = requireScope(deps.tokens, 'topics:write');

  api.put('/v1/topics/:topic/members/:userId', { preValidation: write, schema: { summary: 'Add a user to a topic (idempotent)', tags, params: Member, response: { 204: z.null().describe('A member'), ...refusals(400, 401, 403) } } }, async (request, reply) => {
    await deps.topics.subscribe(request.params.topic, request.params.userId);
    return reply.status(204).send(null);
  });

  api.delete('/v1/topics/:topic/members/:userId', { preValidation: write, schema: { summary: 'Remove a user from a topic', tags, params: Member, response: { 204: z.null().describe('No longer a member'), ...refusals(400, 401, 403, 404) } } }, async (request, reply) => {
    const { topic, userId } = request.params;
    if (!(await deps.topics.unsubscribe(topic, userId))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `${userId} is not a member of ${topic}`);
    return reply.status(204).send(null);
  });

  api.get(
    '/v1/topics/:topic/members',
    { preValidation: requireScope(deps.tokens, 'topics:read'), schema: { summary: 'A topic’s members, a page at a time', tags, params: z.object({ topic: TopicName }), querystring: Page, response: { 200: z.object({ members: z.array(z.string()), next: z.string().nullable().describe('Pass as `after` for the next page; null on the last') }), ...refusals(400, 401, 403) } } },
    async (request) => {
      const page = request.query;
      const members = await deps.topics.members(request.params.topic, { limit: page.limit, ...(page.after ? { after: page.after } : {}) });
      return { members, next: members.length === page.limit ? members[members.length - 1]! : null };
    },
  );
}
