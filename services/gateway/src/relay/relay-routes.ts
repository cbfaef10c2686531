import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '@notify/http';
import { describeIssues } from '@notify/contracts';
import type { LocalConnections } from '../connections/local-connections';
import { applyRelayMessage } from './user-fan-out';
import { RELAY_PATH, RelayMessage } from './relay-message';

/** The receiving end of a relay: another gateway hands over notifications for sockets held here. */
export function registerRelayRoutes(app: FastifyInstance, options: { secret: string; local: LocalConnections }): void {
  const expected = Buffer.from(`Bearer ${options.secret}`);
  app.post(RELAY_PATH, async (request, reply) => {
    const presented = Buffer.from(request.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'relay requires the gateways’ shared secret');
    const parsed = RelayMessage.safeParse(request.body);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', describeIssues(parsed.error));
    const reached = applyRelayMessage(options.local, parsed.data);
    return reply.send({ reached });
  });
}
