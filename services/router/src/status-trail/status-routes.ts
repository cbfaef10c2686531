import type { FastifyInstance } from 'fastify';
import { HttpError, requireToken, type ApiToken } from '@notify/http';
import type { DeliveryLogEntry, DeliveryLogRepository } from '@notify/store';

/**
 * The status trail: what happened to a notification (one event for one user), or to every
 * notification of an event, oldest first: routed, batched, sent, delivered, read, or why not.
 */
export function registerStatusRoutes(app: FastifyInstance, options: { log: DeliveryLogRepository; tokens: readonly ApiToken[] }): void {
  const preHandler = requireToken(options.tokens, ['producer', 'admin']);
  app.get<{ Params: { notificationId: string } }>('/v1/notifications/:notificationId/history', { preHandler }, async (request) => {
    const history = await options.log.history({ notificationId: request.params.notificationId });
    if (history.length === 0) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for notification ${request.params.notificationId} (yet)`);
    return { notificationId: request.params.notificationId, history: history.map(view) };
  });
  app.get<{ Params: { eventId: string } }>('/v1/events/:eventId/history', { preHandler }, async (request) => {
    const history = await options.log.history({ eventId: request.params.eventId });
    if (history.length === 0) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no history for event ${request.params.eventId} (yet)`);
    return { eventId: request.params.eventId, history: history.map(view) };
  });
}

function view(entry: DeliveryLogEntry) {
  return { ...entry, at: entry.at.toISOString() };
}
