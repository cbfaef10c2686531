import type { FastifyInstance } from 'fastify';
import type { Bus } from '@notify/bus';
import type { IntakeLane, NotifyEvent } from '@notify/contracts';
import { HttpError, requireToken, type ApiToken } from '@notify/http';
import { publishEvents, type IntakeRefusal } from './publish-events';

export interface HttpIntakeOptions {
  bus: Bus;
  maxBatchEvents: number;
  tokens: readonly ApiToken[];
  /** Which intake lane an event belongs on; the rules decide (a rule can make an event marketing). */
  laneOf: (event: NotifyEvent) => IntakeLane;
  /** What the router would refuse although the event is valid (an unknown type without a priority): refused here with its reason. */
  refuse?: IntakeRefusal;
}

/**
 * POST /v1/events: one envelope, or `{ "events": [...] }`, with a product team's (or admin) token.
 * Answers 202 with the ids and lanes once the events are durably on the intake topic; 400 naming
 * every bad field otherwise, with the same reason the router would dead-letter the event for
 * (shape, size, content limits, an unknown type without a priority): what is accepted is routable.
 */
export function registerHttpIntake(app: FastifyInstance, options: HttpIntakeOptions): void {
  app.post('/v1/events', { preHandler: requireToken(options.tokens, ['producer', 'admin']) }, async (request, reply) => {
    const body = request.body as unknown;
    if (body === null || typeof body !== 'object') throw new HttpError('NOTIFY_ERR_VALIDATION', 'body must be an event envelope or { "events": [...] }');
    const isBatch = 'events' in body && Array.isArray((body as { events: unknown }).events);
    const events = isBatch ? (body as { events: unknown[] }).events : [body];
    if (events.length === 0) throw new HttpError('NOTIFY_ERR_VALIDATION', 'events: must not be empty');
    if (events.length > options.maxBatchEvents) throw new HttpError('NOTIFY_ERR_VALIDATION', `events: at most ${options.maxBatchEvents} per request (got ${events.length})`);
    const result = await publishEvents(options.bus, events, { laneOf: options.laneOf, refuse: options.refuse });
    if ('rejected' in result) {
      const first = result.rejected[0]!;
      const message = isBatch ? `${result.rejected.length} of ${events.length} events are invalid; none was accepted` : first.message;
      throw new HttpError('NOTIFY_ERR_VALIDATION', message, { rejected: result.rejected });
    }
    return reply.status(202).send(isBatch ? { accepted: result.accepted } : result.accepted[0]);
  });
}
