import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, RequestResult, ServerToClientEvents, SocketData } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import type { ClientAddressOf } from '../access/client-address';
import type { ConnectionAdmission, ConnectionRefusal } from '../access/connection-admission';
import { bearerToken, type TokenVerifier } from '../auth/verify-token';
import type { ConnectionHub } from '../connections/connection-hub';
import type { Feed } from '../connections/feed';
import type { HandedEvent } from '../connections/client-notification';
import { MAX_IDS_PER_REQUEST, type ClientState } from '../usecases/change-state';
import { socketConnection, type NotifySocket } from './socket-connection';

export type NotifyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SocketServerOptions {
  verify: TokenVerifier;
  hub: ConnectionHub;
  logger: Logger;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  maxBufferedPackets: number;
  isDraining: () => boolean;
  /** The caps a new connection passes (attempts per address, connections per user); none when absent. */
  admission?: ConnectionAdmission | undefined;
  clientAddress?: ClientAddressOf | undefined;
  /** Origins whose pages may use the long-polling transport (socket.io's CORS); none when absent. WebSocket is not subject to CORS. */
  corsOrigins?: readonly string[] | undefined;
  /** `handed`: of these ids, those this connection was handed, with their events (they need no inbox read). */
  changeState: (userId: string, ids: readonly string[], state: ClientState, origin: string, handed: ReadonlyMap<string, HandedEvent>) => Promise<{ updated: number }>;
  markAllRead: (userId: string, origin: string) => Promise<{ updated: number }>;
}

/**
 * socket.io on the service's HTTP server (WebSocket, with long-polling as socket.io's own fallback).
 * The handshake must carry a JWT; a refused handshake reaches the client as connect_error with the
 * reason. A socket is only ever given its own user's feed.
 */
export function attachSocketServer(httpServer: HttpServer, options: SocketServerOptions): NotifyServer {
  const io: NotifyServer = new Server(httpServer, {
    serveClient: false,
    // A dead network is noticed within pingInterval + pingTimeout, well under a minute by default.
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    maxHttpBufferSize: 64 * 1024,
    ...(options.corsOrigins?.length ? { cors: { origin: options.corsOrigins.includes('*') ? '*' : [...options.corsOrigins], methods: ['GET', 'POST'] } } : {}),
  });
  io.use((socket, next) => {
    if (options.isDraining()) return next(new Error('draining: this gateway is shutting down, reconnect to another instance'));
    const flooding = options.admission?.attempt(options.clientAddress?.(socket.request) ?? socket.handshake.address);
    if (flooding) return next(refusalError(flooding));
    const token = bearerToken({ auth: socket.handshake.auth, authorization: socket.handshake.headers.authorization });
    if (!token) return next(new Error('unauthorized: no token (send it as auth.token)'));
    options.verify(token).then(
      ({ userId, expiresAt }) => {
        const admitted = options.admission?.admit(userId);
        if (admitted && 'refusal' in admitted) return next(refusalError(admitted.refusal));
        if (admitted) {
          // Whichever comes first: the socket's disconnect, or its transport closing before it ever connected.
          socket.once('disconnect', admitted.release);
          socket.conn.once('close', admitted.release);
        }
        socket.data.userId = userId;
        socket.data.tokenExpiresAt = expiresAt;
        const device = (socket.handshake.auth as { device?: unknown }).device;
        if (typeof device === 'string' && device.length > 0 && device.length <= 128) socket.data.device = device;
        next();
      },
      (err: Error) => next(new Error(`unauthorized: ${err.message}`)),
    );
  });
  io.on('connection', (socket) => onConnection(socket, options));
  return io;
}

/** A refusal as socket.io hands it to the client: connect_error with the reason, and `data.code` (and `data.retryAfterMs`) to act on. */
function refusalError(refusal: ConnectionRefusal): Error & { data: { code: string; retryAfterMs?: number } } {
  return Object.assign(new Error(refusal.message), { data: { code: refusal.code, ...(refusal.retryAfterMs === undefined ? {} : { retryAfterMs: refusal.retryAfterMs }) } });
}

function onConnection(socket: NotifySocket, options: SocketServerOptions): void {
  const { userId } = socket.data;
  const cursor = cursorOf(socket.handshake.auth);
  const opened: Promise<Feed | undefined> = options.hub.open(socketConnection(socket, options.maxBufferedPackets), cursor).catch((err: unknown) => {
    options.logger.error({ err, userId }, 'could not open the feed; closing the socket');
    socket.disconnect(true);
    return undefined;
  });
  // The token's end is the connection's: the client is told, and reconnects with a fresh token.
  const expiry = setTimeout(() => {
    socket.emit('session_expired', { reason: 'token expired: reconnect with a fresh token' });
    socket.data.closeReason = 'token expired';
    socket.disconnect(true);
  }, Math.max(0, socket.data.tokenExpiresAt - Date.now()));
  socket.on('disconnect', (reason) => {
    clearTimeout(expiry);
    void opened.then((feed) => feed && options.hub.close(feed, socket.data.closeReason ?? reason));
  });

  const answer = <T>(reply: unknown, run: () => Promise<T>) => {
    const respond = typeof reply === 'function' ? (reply as (r: RequestResult<T & object>) => void) : () => {};
    run().then(
      (result) => respond({ ok: true, ...(result as T & object) }),
      (err: Error) => respond({ ok: false, error: err.message }),
    );
  };
  const change = async (request: unknown, state: ClientState) => {
    const ids = idsOf(request);
    const handed = (await opened)?.handedEvents(ids) ?? new Map<string, HandedEvent>();
    return options.changeState(userId, ids, state, socket.id, handed);
  };
  for (const state of ['ack', 'seen', 'archive'] as const) {
    socket.on(state, (request, reply) => answer(reply, () => change(request, state === 'ack' ? 'delivered' : state === 'archive' ? 'archived' : 'seen')));
  }
  socket.on('read', (request, reply) => answer(reply, () => ((request as { all?: unknown })?.all === true ? options.markAllRead(userId, socket.id) : change(request, 'read'))));
}

/** A request's notification ids, or a RequestError saying what is wrong with them. */
function idsOf(request: unknown): string[] {
  const ids = (request as { notificationIds?: unknown } | undefined)?.notificationIds;
  if (!Array.isArray(ids) || ids.length === 0) throw new Error('notificationIds: expected a non-empty array of strings');
  if (ids.length > MAX_IDS_PER_REQUEST) throw new Error(`notificationIds: at most ${MAX_IDS_PER_REQUEST} at a time`);
  if (!ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 160)) throw new Error('notificationIds: every id must be a non-empty string');
  return ids as string[];
}

function cursorOf(auth: unknown): number | undefined {
  const cursor = (auth as { cursor?: unknown } | undefined)?.cursor;
  return typeof cursor === 'number' && Number.isInteger(cursor) && cursor >= 0 ? cursor : undefined;
}
