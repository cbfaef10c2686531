import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { userRoom, type ClientToServerEvents, type ServerToClientEvents, type SocketData } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import type { TokenVerifier } from './authenticate';

export type NotifyServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * socket.io on the service's HTTP server. The handshake must carry a JWT (`auth.token`, or an
 * `Authorization: Bearer` header); a refused handshake reaches the client as connect_error with the reason.
 * Each socket joins its user's room, so a socket only ever receives its own user's notifications.
 */
export function attachSocketServer(httpServer: HttpServer, verify: TokenVerifier, logger: Logger): NotifyServer {
  const io: NotifyServer = new Server(httpServer, {
    serveClient: false,
    // A dead network is noticed within pingInterval + pingTimeout (25 s), well under a minute.
    pingInterval: 15_000,
    pingTimeout: 10_000,
    maxHttpBufferSize: 64 * 1024,
  });
  io.use((socket, next) => {
    const fromAuth = (socket.handshake.auth as { token?: unknown }).token;
    const header = socket.handshake.headers.authorization;
    const token = typeof fromAuth === 'string' ? fromAuth : header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!token) return next(new Error('unauthorized: no token (send it as auth.token)'));
    verify(token).then(
      (userId) => {
        socket.data.userId = userId;
        next();
      },
      (err: Error) => next(new Error(`unauthorized: ${err.message}`)),
    );
  });
  io.on('connection', (socket) => {
    void socket.join(userRoom(socket.data.userId));
    logger.debug({ userId: socket.data.userId, socketId: socket.id, transport: socket.conn.transport.name }, 'socket connected');
  });
  return io;
}
