import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotificationContent, PriorityClass } from '@notify/contracts';
import { HttpError, refusals, type ZodTypeProvider } from '@notify/http';
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

/** A notification as a client receives it, over socket.io, SSE or from this API. */
const Notification = z
  .object({
    notificationId: z.string(),
    seq: z.number().int().describe('The inbox cursor: strictly increasing per user'),
    type: z.string(),
    priority: PriorityClass,
    category: z.string().optional(),
    content: NotificationContent,
    createdAt: z.string(),
    state: z.enum(['sent', 'delivered', 'seen', 'read', 'archived']),
    collapseKey: z.string().optional().describe('Unread notifications with the same key replace each other'),
    supersedes: z.string().optional().describe('The notification this one replaced (it is no longer in the inbox)'),
  })
  .meta({ id: 'ClientNotification' });
const ItemParams = z.object({ notificationId: z.string().min(1).max(300) });
const tags = ['inbox'];
const unauthenticated = refusals(401);

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

  // Who asks is known before anything else is judged: no token, a 401, whatever the request.
  const userIds = new WeakMap<FastifyRequest, string>();
  const signedIn = async (request: FastifyRequest) => {
    userIds.set(request, await userOf(request));
  };
  const userId = (request: FastifyRequest) => userIds.get(request)!;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/inbox',
    {
      preValidation: signedIn,
      schema: {
        summary: 'The signed-in user’s inbox: newest first a page at a time (before), or what is new since a seq, oldest first (after)',
        tags,
        querystring: ListQuery,
        response: {
          200: z.union([
            z.object({ items: z.array(Notification), nextCursor: z.number().nullable().describe('Pass as `before` for the next page; null on the last') }),
            z.object({ items: z.array(Notification), cursor: z.number().describe('Pass as `after` next time') }),
          ]),
          ...refusals(400, 401),
        },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.after !== undefined) {
        const now = new Date();
        const items = (await options.inbox.listAfter(userId(request), q.after, q.limit)).filter((i) => !i.expiresAt || i.expiresAt > now);
        return { items: items.map(toClientNotification), cursor: items.at(-1)?.seq ?? q.after };
      }
      const page = await options.inbox.page(userId(request), {
        limit: q.limit,
        ...(q.before === undefined ? {} : { before: q.before }),
        ...(q.unread ? { unreadOnly: true } : {}),
        ...(q.category ? { category: q.category } : {}),
        ...(q.archived ? { includeArchived: true } : {}),
      });
      return { items: page.items.map(toClientNotification), nextCursor: page.nextCursor };
    },
  );

  api.get('/v1/inbox/unread-count', { preValidation: signedIn, schema: { summary: 'How many notifications the user has not read', tags, response: { 200: z.object({ count: z.number().int() }), ...unauthenticated } } }, async (request) => ({
    count: await options.inbox.unreadCount(userId(request)),
  }));

  api.post('/v1/inbox/read-all', { preValidation: signedIn, schema: { summary: 'Mark every notification read', tags, response: { 200: z.object({ updated: z.number().int() }), ...unauthenticated } } }, async (request) => options.markAllRead(userId(request)));

  api.get('/v1/inbox/:notificationId', { preValidation: signedIn, schema: { summary: 'One notification of the inbox', tags, params: ItemParams, response: { 200: Notification, ...refusals(400, 401, 404) } } }, async (request) => {
    const item = await options.inbox.get(userId(request), request.params.notificationId);
    if (!item) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no notification ${request.params.notificationId} in this inbox`);
    return toClientNotification(item);
  });

  api.post(
    '/v1/inbox/:notificationId/:action',
    {
      preValidation: signedIn,
      schema: {
        summary: 'Move a notification on: delivered, seen, read or archive (each a step of its status trail)',
        tags,
        params: ItemParams.extend({ action: z.string().describe(`One of ${Object.keys(actions).join(', ')}`) }),
        response: { 200: Notification, ...refusals(400, 401, 404) },
      },
    },
    async (request) => {
      const { notificationId, action } = request.params;
      // An action that does not exist is a resource that does not: 404, naming the ones that do.
      if (!Object.hasOwn(actions, action)) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no action "${action}" (use ${Object.keys(actions).join(', ')})`);
      const item = await options.inbox.get(userId(request), notificationId);
      if (!item) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `no notification ${notificationId} in this inbox`);
      await options.changeState(userId(request), [item.notificationId], actions[action as keyof typeof actions]);
      return toClientNotification((await options.inbox.get(userId(request), item.notificationId)) ?? item);
    },
  );
}
