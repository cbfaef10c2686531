import type { FastifyInstance } from 'fastify';
import { HttpError } from '@notify/http';
import { bearerToken, type TokenVerifier } from '../auth/verify-token';
import type { ConnectionHub } from '../connections/connection-hub';
import { sseConnection } from './sse-connection';

export interface SseRouteOptions {
  verify: TokenVerifier;
  hub: ConnectionHub;
  maxBufferedBytes: number;
  isDraining: () => boolean;
  /** Comment lines that keep proxies from closing an idle stream. */
  keepAliveMs?: number;
  /** What EventSource waits before reconnecting after the stream ends. */
  retryMs?: number;
}

/**
 * `GET /v1/stream`: one-way delivery for clients that cannot hold a WebSocket. EventSource-compatible:
 * the token comes as `Authorization: Bearer` or `?access_token=` (browsers' EventSource cannot set
 * headers), and `Last-Event-ID` (or `?lastEventId=`) resumes after that seq.
 */
export function registerSseRoutes(app: FastifyInstance, options: SseRouteOptions): void {
  app.get('/v1/stream', async (request, reply) => {
    if (options.isDraining()) throw new HttpError('NOTIFY_ERR_UNAVAILABLE', 'this gateway is shutting down; reconnect to another instance');
    const token = bearerToken({ authorization: request.headers.authorization, query: request.query });
    if (!token) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'send the token as Authorization: Bearer or ?access_token=');
    const { userId, expiresAt } = await options.verify(token).catch((err: Error) => {
      throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', `unauthorized: ${err.message}`);
    });
    const cursor = lastEventIdOf(request.headers['last-event-id'], (request.query as { lastEventId?: unknown }).lastEventId);
    const device = (request.query as { device?: unknown }).device;

    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    response.write(`retry: ${options.retryMs ?? 2000}\n: connected\n\n`);
    const connection = sseConnection(response, userId, options.maxBufferedBytes, typeof device === 'string' && device.length <= 128 ? device : undefined);
    const opened = options.hub.open(connection, cursor);
    const keepAlive = setInterval(() => response.writableEnded || response.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
    keepAlive.unref();
    // The token's end is the stream's: an `expired` event, then the end (EventSource reconnects, with a fresh token from its page).
    const expiry = setTimeout(() => response.writableEnded || response.end('event: expired\ndata: {"reason":"token expired: reconnect with a fresh token"}\n\n'), Math.max(0, expiresAt - Date.now()));
    response.on('close', () => {
      clearInterval(keepAlive);
      clearTimeout(expiry);
      void opened.then((feed) => options.hub.close(feed, 'stream closed'), () => undefined);
    });
    await opened.catch(() => response.destroy());
  });
}

function lastEventIdOf(header: unknown, query: unknown): number | undefined {
  const raw = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined;
  // Cursors go up to 2^53 (on MongoDB a user's numbers start from the clock in microseconds).
  const cursor = Number(raw);
  return Number.isSafeInteger(cursor) ? cursor : undefined;
}
