import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError, refusals, type ZodTypeProvider } from '@notify/http';
import type { ClientAddressOf } from '../access/client-address';
import type { ConnectionAdmission, ConnectionRefusal } from '../access/connection-admission';
import { bearerToken, type TokenVerifier, type VerifiedToken } from '../auth/verify-token';
import type { ConnectionHub } from '../connections/connection-hub';
import { sseConnection } from './sse-connection';
import { TicketError, type StreamTickets } from './stream-tickets';

export interface SseRouteOptions {
  verify: TokenVerifier;
  tickets: StreamTickets;
  hub: ConnectionHub;
  maxBufferedBytes: number;
  isDraining: () => boolean;
  /** Deprecated: also accept the user's token itself as `?access_token=` (it then lands in access logs). Off unless set. */
  allowTokenInQuery?: boolean | undefined;
  /** The caps a new connection passes (attempts per address, connections per user); none when absent. */
  admission?: ConnectionAdmission | undefined;
  clientAddress?: ClientAddressOf | undefined;
  /** Comment lines that keep proxies from closing an idle stream. */
  keepAliveMs?: number;
  /** What EventSource waits before reconnecting after the stream ends. */
  retryMs?: number;
}

/**
 * `POST /v1/stream/tickets` and `GET /v1/stream`: one-way delivery for clients that cannot hold a
 * WebSocket. A browser's EventSource cannot set headers, so it does not carry the user's token: the
 * page trades the token (Authorization: Bearer) for a short-lived, single-use ticket and opens
 * `/v1/stream?ticket=…`. Other clients may send `Authorization: Bearer` on the stream itself.
 * `Last-Event-ID` (or `?lastEventId=`) resumes after that seq.
 */
const StreamQuery = z.looseObject({
  ticket: z.string().optional().describe('From POST /v1/stream/tickets: single use, short-lived'),
  lastEventId: z.string().optional().describe('Resume after this seq (as the Last-Event-ID header)'),
  device: z.string().optional().describe('A name for this device, up to 128 characters (shown in the status trail)'),
  access_token: z.string().optional().describe('Deprecated, off unless allowed: the user’s token itself'),
});
const tags = ['stream'];

export function registerSseRoutes(app: FastifyInstance, options: SseRouteOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/v1/stream/tickets', { schema: { summary: 'Trade the user’s token for a single-use ticket to open the stream with (EventSource cannot send headers)', tags, response: { 201: z.object({ ticket: z.string(), expiresAt: z.string() }), ...refusals(401) } } }, async (request, reply) => {
    const token = bearerToken({ authorization: request.headers.authorization });
    if (!token) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'send the user’s token as Authorization: Bearer');
    const { userId, expiresAt } = await verified(options.verify, token);
    const { ticket, expiresAt: ticketExpiresAt } = await options.tickets.issue(userId, expiresAt);
    return reply.status(201).header('cache-control', 'no-store').send({ ticket, expiresAt: new Date(ticketExpiresAt).toISOString() });
  });

  api.get(
    '/v1/stream',
    {
      schema: {
        summary: 'Server-sent events: the user’s notifications as they arrive (text/event-stream), resumable with Last-Event-ID',
        description: 'Open with `?ticket=` (from POST /v1/stream/tickets) or `Authorization: Bearer`. Each `notification` event is a ClientNotification, and an `updated` event one that replaces an unread notification (named in `supersedes`); `expired` ends the stream when the token does.',
        tags,
        querystring: StreamQuery,
        response: refusals(401, 429, 503),
      },
    },
    async (request, reply) => {
      if (options.isDraining()) throw new HttpError('NOTIFY_ERR_UNAVAILABLE', 'this gateway is shutting down; reconnect to another instance');
      const flooding = options.admission?.attempt(options.clientAddress?.(request.raw) ?? request.ip);
      if (flooding) refuse(reply, flooding);
      const { userId, expiresAt } = await streamUser(request, options);
      const admitted = options.admission?.admit(userId);
      if (admitted && 'refusal' in admitted) refuse(reply, admitted.refusal);
      const cursor = lastEventIdOf(request.headers['last-event-id'], request.query.lastEventId);
      const device = request.query.device;

      reply.hijack();
      const response = reply.raw;
      // Headers set before the hijack (CORS) go out with the stream's own.
      response.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      response.write(`retry: ${options.retryMs ?? 2000}\n: connected\n\n`);
      const connection = sseConnection(response, userId, options.maxBufferedBytes, typeof device === 'string' && device.length <= 128 ? device : undefined);
      const opened = options.hub.open(connection, cursor);
      const keepAlive = setInterval(() => response.writableEnded || response.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
      keepAlive.unref();
      // The token's end is the stream's (with a ticket: the end of the token it was issued for): an `expired` event, then the end.
      const expiry = setTimeout(() => response.writableEnded || response.end('event: expired\ndata: {"reason":"token expired: reconnect with a fresh token"}\n\n'), Math.max(0, expiresAt - Date.now()));
      response.on('close', () => {
        clearInterval(keepAlive);
        clearTimeout(expiry);
        if (admitted && 'release' in admitted) admitted.release();
        void opened.then((feed) => options.hub.close(feed, 'stream closed'), () => undefined);
      });
      await opened.catch(() => response.destroy());
    },
  );
}

/** Who the stream is for: a ticket's user, or a bearer token's (the header; the query only where still allowed). */
async function streamUser(request: FastifyRequest, options: SseRouteOptions): Promise<VerifiedToken> {
  const query = request.query as { ticket?: unknown; access_token?: unknown };
  if (typeof query.ticket === 'string' && query.ticket.length > 0) {
    const redeemed = await options.tickets.redeem(query.ticket).catch((err: Error) => {
      throw err instanceof TicketError ? new HttpError('NOTIFY_ERR_UNAUTHENTICATED', err.message) : err;
    });
    return { userId: redeemed.userId, expiresAt: redeemed.tokenExpiresAt };
  }
  const header = bearerToken({ authorization: request.headers.authorization });
  if (header) return verified(options.verify, header);
  if (query.access_token !== undefined) {
    if (!options.allowTokenInQuery) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'a token in the URL is not accepted: get a ticket from POST /v1/stream/tickets (Authorization: Bearer) and open /v1/stream?ticket=…');
    if (typeof query.access_token === 'string' && query.access_token.length > 0) return verified(options.verify, query.access_token);
  }
  throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'open the stream with ?ticket= (from POST /v1/stream/tickets), or send Authorization: Bearer');
}

async function verified(verify: TokenVerifier, token: string): Promise<VerifiedToken> {
  return verify(token).catch((err: Error) => {
    throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', `unauthorized: ${err.message}`);
  });
}

/** A refused connection: 429 with the reason and, for a rate, Retry-After. */
function refuse(reply: FastifyReply, refusal: ConnectionRefusal): never {
  if (refusal.retryAfterMs !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))));
  throw new HttpError(refusal.code, refusal.message);
}

function lastEventIdOf(header: unknown, query: unknown): number | undefined {
  const raw = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined;
  // Cursors go up to 2^53 (on MongoDB a user's numbers start from the clock in microseconds).
  const cursor = Number(raw);
  return Number.isSafeInteger(cursor) ? cursor : undefined;
}
