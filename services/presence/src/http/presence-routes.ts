import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PresenceStateV1, UserId, type PresenceState } from '@notify/contracts';
import { refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';

/** Most users one bulk query may ask about. */
export const MAX_QUERY_USERS = 1000;

const PresenceQuery = z.object({ userIds: z.array(UserId).min(1).max(MAX_QUERY_USERS) }).strict();
const State = PresenceStateV1.meta({ id: 'PresenceState' });

/**
 * Presence for the product's own backend (admin tokens, or producer tokens with the scope presence:read): one user, or many at once in the
 * order asked. A user presence has never heard of is offline.
 */
export function registerPresenceRoutes(app: FastifyInstance, deps: { stateOf: (userId: string) => PresenceState; tokens: readonly ApiToken[] }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const preValidation = requireScope(deps.tokens, 'presence:read');
  const tags = ['presence'];

  api.get('/v1/presence/:userId', { preValidation, schema: { summary: 'Whether a user is online, on how many devices and gateways', tags, params: z.object({ userId: UserId }), response: { 200: State, ...refusals(400, 401, 403) } } }, async (request) =>
    deps.stateOf(request.params.userId),
  );

  api.post('/v1/presence/query', { preValidation, schema: { summary: `Many users at once (up to ${MAX_QUERY_USERS}), in the order asked`, tags, body: PresenceQuery, response: { 200: z.object({ users: z.array(State) }), ...refusals(400, 401, 403) } } }, async (request) => ({
    users: request.body.userIds.map((userId) => deps.stateOf(userId)),
  }));
}
