import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '@notify/contracts';
import { HttpError, requireToken, type ApiToken } from '@notify/http';
import type { DeliveryLogRepository } from '@notify/store';

const Limit = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }).strict();

/**
 * Finding a user's notifications, for ops (admin tokens only: it spans every team's events): the
 * user's most recent notifications, each with its status now; the whole history of one is
 * `/v1/notifications/:notificationId/history`.
 */
export function registerUserTrailRoutes(app: FastifyInstance, options: { log: DeliveryLogRepository; tokens: readonly ApiToken[] }): void {
  const preHandler = requireToken(options.tokens, ['admin']);
  app.get<{ Params: { userId: string } }>('/v1/admin/users/:userId/notifications', { preHandler }, async (request) => {
    const parsed = Limit.safeParse(request.query);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `query: ${describeIssues(parsed.error)}`);
    const recent = await options.log.recentForUser(request.params.userId, parsed.data.limit);
    return {
      userId: request.params.userId,
      notifications: recent.map(({ notificationId, eventId, status, channel, reason, service, at, firstAt }) => ({ notificationId, eventId, status, ...(channel ? { channel } : {}), ...(reason ? { reason } : {}), service, at: at.toISOString(), firstAt: firstAt.toISOString() })),
    };
  });
}
