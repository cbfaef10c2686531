import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '@notify/contracts';
import { HttpError } from '@notify/http';
import type { InboxRepository } from '@notify/store';
import { bearerToken, type TokenVerifier } from '../auth/verify-token';
import { toClientNotification } from '../connections/client-notification';
import type { ClientState } from '../usecases/change-state';

export interface InboxRouteOptions {
  inbox: InboxRepository;
  verify: TokenVerifier;
  changeState: (userId: string, ids: readonly string[], state: ClientState) => Promise<{ updated: number }>;
  markAllRead: (userId: string) => Promise<{ updated: number }>;
}

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    before: z.coerce.number().int().positive().optional().describe('Older than this seq (pages newest first)'),
    after: z.coerce.number().int().nonnegative().optional().describe('Newer than this seq, oldest first: short polling and catch-up'),
    unread: booleanFlag.optional(),
    category: z.string().min(1).max(64).optional(),
    archived: booleanFlag.optional(),
  })
  .strict()
  .refine((q) => q.before === undefined || q.after === undefined, { message: 'use either before or after, not both' });

const actions = { delivered: 'delivered', seen: 'seen', read: 'read', archive: 'archived' } as const satisfies Record<string, ClientState>;
const Action = z.enum(Object.keys(actions) as [keyof typeof actions, ...Array<keyof typeof actions>]);

/**
 * The inbox over HTTP, for the signed-in user (the same JWT as the socket): list with cursor
 * pagination and filters, unread count, one item, state changes, mark all read. Polling clients use
 * `?after=<seq>` and get exactly what is new.
 */
export function registerInboxRoutes(app: FastifyInstance, options: InboxRouteOptions): void {
  const userOf = async (request: FastifyRequest): Promise<string> => {
    const token = bearerToken({ authorization: request.headers.authorization });
    if (!token) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'send the user’s token as Authorization: Bearer');
    const verified = await options.verify(token).catch((err: Error) => {
      throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', `unauthorized: ${err.message}`);
    });
    return verified.userId;
  };

  app.get('/v1/inbox', async (request) => {
    const userId = await userOf(request);
    const parsed = ListQuery.safeParse(request.query);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', describeIssues(parsed.error));
    const q = parsed.data;
    if (q.after !== undefined) {
      const now = new Date();
      const items = (await options.inbox.listAfter(userId, q.after, q.limit)).filter((i) => !i.expiresAt || i.expiresAt > now);
      return { items: items.map(toClientNotification), cursor: items.at(-1)?.seq ?? q.after };
    }
    const page = await options.inbox.page(userId, {
      limit: q.limit,
      ...(q.before === undefined ? {} : { before: q.before }),
      ...(q.unread ? { unreadOnly: true } : {}),
      ...(q.category ? { category: q.category } : {}),
      ...(q.archived ? { includeArchived: true } : {}),
    });
    return { items: page.items.map(toClientNotification), nextCursor: page.nextCursor };
  });

  app.get('/v1/inbox/unread-count', async (request) => ({ count: await options.inbox.unreadCount(await userOf(request)) }));

  app.post('/v1/inbox/read-all', async (request) => options.markAllRead(await userOf(request)));

  app.get<{ Params: { notificationId: string } }>('/v1/inbox/:notificationId', async (request) => {
    const item = await options.inbox.get(await userOf(request), request.params.notificationId);
    if (!item) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no notification ${request.params.notificationId} in this inbox`);
    return toClientNotification(item);
  });

  app.post<{ Params: { notificationId: string; action: string } }>('/v1/inbox/:notificationId/:action', async (request) => {
    const userId = await userOf(request);
    const action = Action.safeParse(request.params.action);
    if (!action.success) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no action "${request.params.action}" (use ${Action.options.join(', ')})`);
    const item = await options.inbox.get(userId, request.params.notificationId);
    if (!item) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no notification ${request.params.notificationId} in this inbox`);
    await options.changeState(userId, [item.notificationId], actions[action.data]);
    return toClientNotification((await options.inbox.get(userId, item.notificationId)) ?? item);
  });
}
