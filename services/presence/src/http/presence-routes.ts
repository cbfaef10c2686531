import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeIssues, UserId, type PresenceState } from '@notify/contracts';
import { HttpError, requireScope, type ApiToken } from '@notify/http';

/** Most users one bulk query may ask about. */
export const MAX_QUERY_USERS = 1000;

const PresenceQuery = z.object({ userIds: z.array(UserId).min(1).max(MAX_QUERY_USERS) }).strict();

/**
 * Presence for the product's own backend (admin tokens, or producer tokens with the scope presence:read): one user, or many at once in the
 * order asked. A user presence has never heard of is offline.
 */
export function registerPresenceRoutes(app: FastifyInstance, deps: { stateOf: (userId: string) => PresenceState; tokens: readonly ApiToken[] }): void {
  const preHandler = requireScope(deps.tokens, 'presence:read');

  app.get('/v1/presence/:userId', { preHandler }, async (request) => {
    const parsed = UserId.safeParse((request.params as { userId?: unknown }).userId);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `userId: ${describeIssues(parsed.error)}`);
    return deps.stateOf(parsed.data);
  });

  app.post('/v1/presence/query', { preHandler }, async (request) => {
    const parsed = PresenceQuery.safeParse(request.body);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `body: ${describeIssues(parsed.error)}`);
    return { users: parsed.data.userIds.map((userId) => deps.stateOf(userId)) };
  });
}
