import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError, refusals, type ZodTypeProvider } from '@notify/http';
import { Counter, metric, type Registry } from '@notify/observability';
import type { LocalConnections } from '../connections/local-connections';
import { applyRelayMessage } from './user-fan-out';
import { RELAY_PATH, RelayBatch, RelayMessage } from './relay-message';

/** The receiving end of a relay: another gateway hands over notifications for sockets held here. */
export function registerRelayRoutes(app: FastifyInstance, options: { secret: string; local: LocalConnections; metrics: Registry }): void {
  // "no_connection" counts hand-overs for users this gateway no longer holds (presence lagging a disconnect);
  // with targeted delivery it stays near zero, where a broadcast would make it most of the traffic.
  const received = metric(options.metrics, 'notify_gateway_relay_received_total', () => new Counter({ name: 'notify_gateway_relay_received_total', help: 'Hand-overs from other gateways, by whether a connection here took them', labelNames: ['outcome'], registers: [options.metrics] }));
  const expected = Buffer.from(`Bearer ${options.secret}`);
  const schema = {
    summary: 'Between gateways: notifications and state changes for sockets held here (the gateways’ shared secret)',
    tags: ['internal'],
    body: z.union([RelayBatch, RelayMessage]),
    response: { 200: z.object({ reached: z.number().int().describe('Connections here that took a message') }), ...refusals(400, 401) },
  };
  const sharedSecret = async (request: FastifyRequest) => {
    const presented = Buffer.from(request.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'relay requires the gateways’ shared secret');
  };
  app.withTypeProvider<ZodTypeProvider>().post(RELAY_PATH, { preValidation: sharedSecret, schema }, async (request, reply) => {
    const body = request.body;
    let reached = 0;
    for (const message of 'messages' in body ? body.messages : [body]) {
      const here = applyRelayMessage(options.local, message);
      received.inc({ outcome: here > 0 ? 'reached' : 'no_connection' });
      reached += here;
    }
    return reply.send({ reached });
  });
}
