import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, requireScope, type ApiToken } from '@notify/http';
import type { DeliveryLogEntry, DeliveryLogRepository } from '@notify/store';
import type { EventSenders } from '../intake/event-senders';

/**
 * The status trail: what happened to a notification (one event for one user), or to every
 * notification of an event, oldest first: routed, batched, sent, delivered, read, or why not.
 * A producer token (scope events:read) reads only the events it sent itself; another team's event
 * answers exactly as an unknown one, so its existence is not revealed. Admin tokens read every event.
 */
export function registerStatusRoutes(app: FastifyInstance, options: { log: DeliveryLogRepository; tokens: readonly ApiToken[]; senders: EventSenders }): void {
  const preHandler = requireScope(options.tokens, 'events:read');
  const mayRead = async (request: FastifyRequest, eventIds: Iterable<string>) => {
    const caller = request.caller!;
    if (caller.role === 'admin') return true;
    for (const eventId of new Set(eventIds)) if ((await options.senders.senderOf(eventId)) !== caller.name) return false;
    return true;
  };
  app.get<{ Params: { notificationId: string } }>('/v1/notifications/:notificationId/history', { preHandler }, async (request) => {
    const history = await options.log.history({ notificationId: request.params.notificationId });
    if (history.length === 0 || !(await mayRead(request, history.map((e) => e.eventId)))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for notification ${request.params.notificationId} (yet)`);
    return { notificationId: request.params.notificationId, history: history.map(view) };
  });
  app.get<{ Params: { eventId: string } }>('/v1/events/:eventId/history', { preHandler }, async (request) => {
    // The sender is checked first: another team's event costs one read by id, never its whole trail.
    if (!(await mayRead(request, [request.params.eventId]))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for event ${request.params.eventId} (yet)`);
    const history = await options.log.history({ eventId: request.params.eventId });
    if (history.length === 0) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for event ${request.params.eventId} (yet)`);
    return { eventId: request.params.eventId, history: history.map(view) };
  });
}

function view(entry: DeliveryLogEntry) {
  return { ...entry, at: entry.at.toISOString() };
}
