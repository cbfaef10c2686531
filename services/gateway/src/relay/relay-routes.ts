import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '@notify/http';
import { Counter, metric, type Registry } from '@notify/observability';
import { describeIssues } from '@notify/contracts';
import type { LocalConnections } from '../connections/local-connections';
import { applyRelayMessage } from './user-fan-out';
import { RELAY_PATH, RelayBatch, RelayMessage } from './relay-message';

/** The receiving end of a relay: another gateway hands over notifications for sockets held here. */
export function registerRelayRoutes(app: FastifyInstance, options: { secret: string; local: LocalConnections; metrics: Registry }): void {
  // "no_connection" counts hand-overs for users this gateway no longer holds (presence lagging a disconnect);
  // with targeted delivery it stays near zero, where a broadcast would make it most of the traffic.
  const received = metric(options.metrics, 'notify_gateway_relay_received_total', () => new Counter({ name: 'notify_gateway_relay_received_total', help: 'Hand-overs from other gateways, by whether a connection here took them', labelNames: ['outcome'], registers: [options.metrics] }));
  const expected = Buffer.from(`Bearer ${options.secret}`);
  app.post(RELAY_PATH, async (request, reply) => {
    const presented = Buffer.from(request.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'relay requires the gateways’ shared secret');
    const body = request.body as { messages?: unknown } | undefined;
    const parsed = body && 'messages' in body ? RelayBatch.safeParse(body) : RelayMessage.safeParse(body);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', describeIssues(parsed.error));
    let reached = 0;
    for (const message of 'messages' in parsed.data ? parsed.data.messages : [parsed.data]) {
      const here = applyRelayMessage(options.local, message);
      received.inc({ outcome: here > 0 ? 'reached' : 'no_connection' });
      reached += here;
    }
    return reply.send({ reached });
  });
}
