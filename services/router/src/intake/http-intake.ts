import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Bus } from '@notify/bus';
import type { IntakeLane, NotifyEvent } from '@notify/contracts';
import { HttpError, answerWithin, refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { EventSenders } from './event-senders';
import { intakeRateLimitOptions, type IntakeRateLimit } from './intake-rate-limit';
import { publishEvents, type IntakeRefusal } from './publish-events';

export interface HttpIntakeOptions {
  bus: Bus;
  maxBatchEvents: number;
  tokens: readonly ApiToken[];
  /** Which intake lane an event belongs on; the rules decide (a rule can make an event marketing). */
  laneOf: (event: NotifyEvent) => IntakeLane;
  /** What the router would refuse although the event is valid (an unknown type without a priority): refused here with its reason. */
  refuse?: IntakeRefusal;
  /** Requests per window each token may make (429 NOTIFY_ERR_RATE_LIMITED with Retry-After beyond); absent or max 0: no limit. */
  rateLimit?: IntakeRateLimit | undefined;
  /** Longest a request waits for the intake topic to take its events before a 503 (default 2,000 ms). */
  publishTimeoutMs?: number;
  /** Records which token sent each event (what lets a team read its own events' history); unset records nothing. */
  senders?: EventSenders;
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 2000;

// Each event is judged by the contract the router routes by, one by one, so a refused batch names every bad
// event (publishEvents): the body is declared as any JSON, and described.
const Accepted = z.object({ id: z.string(), lane: z.enum(['default', 'bulk']).describe('The intake lane it is on') }).meta({ id: 'AcceptedEvent' });

/**
 * POST /v1/events: one envelope, or `{ "events": [...] }`, with a product team's (or admin) token.
 * Answers 202 with the ids and lanes once the events are durably on the intake topic; 400 naming
 * every bad field otherwise, with the same reason the router would dead-letter the event for
 * (shape, size, content limits, an unknown type without a priority): what is accepted is routable.
 * While Kafka is unreachable it answers 503 within `publishTimeoutMs`, not after the client's retries.
 */
export function registerHttpIntake(app: FastifyInstance, options: HttpIntakeOptions): void {
  // A scope of its own: the rate limit covers intake only, and is in place before the route is declared.
  void app.register(async (intake) => {
    if (options.rateLimit && options.rateLimit.max > 0) await intake.register(rateLimit, intakeRateLimitOptions(options.rateLimit));
    declareIntakeRoute(intake, options);
  });
}

function declareIntakeRoute(app: FastifyInstance, options: HttpIntakeOptions): void {
  const schema = {
    summary: 'Send events: answered once they are durably on the intake topic',
    tags: ['events'],
    body: z.unknown().describe('One event envelope (docs/schemas/notify.events.v1.schema.json), or { "events": [...] }'),
    response: { 202: z.union([Accepted, z.object({ accepted: z.array(Accepted) })]), ...refusals(400, 401, 403, 409, 413, 429, 503) },
  };
  app.withTypeProvider<ZodTypeProvider>().post('/v1/events', { preValidation: requireScope(options.tokens, 'events:write'), schema }, async (request, reply) => {
    const body = request.body;
    if (body === null || typeof body !== 'object') throw new HttpError('NOTIFY_ERR_VALIDATION', 'body must be an event envelope or { "events": [...] }');
    const isBatch = 'events' in body && Array.isArray((body as { events: unknown }).events);
    const events = isBatch ? (body as { events: unknown[] }).events : [body];
    if (events.length === 0) throw new HttpError('NOTIFY_ERR_VALIDATION', 'events: must not be empty');
    if (events.length > options.maxBatchEvents) throw new HttpError('NOTIFY_ERR_VALIDATION', `events: at most ${options.maxBatchEvents} per request (got ${events.length})`);
    const senders = options.senders;
    const recordSender = senders
      ? async (valid: readonly NotifyEvent[]) => {
          const taken = await senders.record(request.caller!.name, valid.map((e) => e.id));
          if (taken.length > 0) throw new HttpError('NOTIFY_ERR_CONFLICT', `event id ${taken.join(', ')} was already sent by another token; give each event an id of its own; none was accepted`, { ids: taken });
        }
      : undefined;
    const timeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    const publishing = publishEvents(options.bus, events, { laneOf: options.laneOf, refuse: options.refuse, beforePublish: recordSender });
    publishing.catch((err: unknown) => request.log.warn({ err }, 'intake publish failed'));
    const result = await answerWithin(timeoutMs, publishing, `the intake topic did not take the events within ${timeoutMs} ms (is Kafka reachable?); send them again with the same ids: a repeated id is dropped as a duplicate`);
    if ('rejected' in result) {
      const first = result.rejected[0]!;
      const message = isBatch ? `${result.rejected.length} of ${events.length} events are invalid; none was accepted` : first.message;
      throw new HttpError('NOTIFY_ERR_VALIDATION', message, { rejected: result.rejected });
    }
    return reply.status(202).send(isBatch ? { accepted: result.accepted } : result.accepted[0]!);
  });
}
