import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError, refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { DeliveryLogEntry, DeliveryLogRepository } from '@notify/store';
import type { EventSenders } from '../intake/event-senders';
import { HistoryStep, NextCursor, pageOf, PageQuery } from './trail-pages';

const tags = ['status trail'];

/**
 * The status trail: what happened to a notification (one event for one user), or to every
 * notification of an event, oldest first: routed, batched, sent, delivered, read, or why not.
 * A page at a time (`limit`, then `cursor` = the previous answer's `next`).
 * A producer token (scope events:read) reads only the events it sent itself; another team's event
 * answers exactly as an unknown one, so its existence is not revealed. Admin tokens read every event.
 */
export function registerStatusRoutes(app: FastifyInstance, options: { log: DeliveryLogRepository; tokens: readonly ApiToken[]; senders: EventSenders }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const preValidation = requireScope(options.tokens, 'events:read');
  const mayRead = async (request: FastifyRequest, eventIds: Iterable<string>) => {
    const caller = request.caller!;
    if (caller.role === 'admin') return true;
    for (const eventId of new Set(eventIds)) if ((await options.senders.senderOf(eventId)) !== caller.name) return false;
    return true;
  };

  api.get(
    '/v1/notifications/:notificationId/history',
    {
      preValidation,
      schema: {
        summary: 'What happened to one notification (one event for one user), oldest first, a page at a time',
        tags,
        params: z.object({ notificationId: z.string().min(1).max(300) }),
        querystring: PageQuery,
        response: { 200: z.object({ notificationId: z.string(), history: z.array(HistoryStep), next: NextCursor }), ...refusals(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { notificationId } = request.params;
      const page = await pageOf(() => options.log.historyPage({ notificationId }, request.query));
      // A later page may be empty: who may read it is told by the notification's first step.
      const steps = page.items.length > 0 || !request.query.cursor ? page.items : (await options.log.historyPage({ notificationId }, { limit: 1 })).items;
      if (steps.length === 0 || !(await mayRead(request, steps.map((e) => e.eventId)))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for notification ${notificationId} (yet)`);
      return { notificationId, history: page.items.map(view), next: page.next };
    },
  );

  api.get(
    '/v1/events/:eventId/history',
    {
      preValidation,
      schema: {
        summary: 'What happened to every notification of an event, oldest first, a page at a time',
        tags,
        params: z.object({ eventId: z.string().min(1).max(200) }),
        querystring: PageQuery,
        response: { 200: z.object({ eventId: z.string(), history: z.array(HistoryStep), next: NextCursor }), ...refusals(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { eventId } = request.params;
      // The sender is checked first: another team's event costs one read by id, never its trail.
      if (!(await mayRead(request, [eventId]))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for event ${eventId} (yet)`);
      const page = await pageOf(() => options.log.historyPage({ eventId }, request.query));
      if (page.items.length === 0 && !request.query.cursor) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for event ${eventId} (yet)`);
      return { eventId, history: page.items.map(view), next: page.next };
    },
  );
}

function view(entry: DeliveryLogEntry) {
  return { ...entry, at: entry.at.toISOString() };
}
