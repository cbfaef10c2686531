import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { DeliveryLogRepository } from '@notify/store';
import { NextCursor, pageOf, PageQuery } from './trail-pages';

const UserNotification = z
  .object({
    notificationId: z.string(),
    eventId: z.string(),
    status: z.string().describe('Its latest step'),
    channel: z.string().optional(),
    reason: z.string().optional(),
    service: z.string(),
    at: z.iso.datetime({ offset: true }).describe('When its latest step was'),
    firstAt: z.iso.datetime({ offset: true }).describe('When its first step was'),
  })
  .meta({ id: 'UserNotification' });

/**
 * Finding a user's notifications, for ops (admin tokens only: it spans every team's events): the
 * user's notifications, newest first, each with its status now, a page at a time; the whole history
 * of one is `/v1/notifications/:notificationId/history`.
 */
export function registerUserTrailRoutes(app: FastifyInstance, options: { log: DeliveryLogRepository; tokens: readonly ApiToken[] }): void {
  const preValidation = requireToken(options.tokens, ['admin']);
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/admin/users/:userId/notifications',
    {
      preValidation,
      schema: {
        summary: 'A user’s notifications, newest first, each with its status now, a page at a time',
        tags: ['status trail'],
        params: z.object({ userId: z.string().min(1).max(200) }),
        querystring: PageQuery.extend({ limit: z.coerce.number().int().min(1).max(200).default(20).describe('Notifications per page') }),
        response: { 200: z.object({ userId: z.string(), notifications: z.array(UserNotification), next: NextCursor }), ...refusals(400, 401, 403) },
      },
    },
    async (request) => {
      const { userId } = request.params;
      const page = await pageOf(() => options.log.userNotifications(userId, request.query));
      return {
        userId,
        notifications: page.items.map(({ notificationId, eventId, status, channel, reason, service, at, firstAt }) => ({ notificationId, eventId, status, ...(channel ? { channel } : {}), ...(reason ? { reason } : {}), service, at: at.toISOString(), firstAt: firstAt.toISOString() })),
        next: page.next,
      };
    },
  );
}
