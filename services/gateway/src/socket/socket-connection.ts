import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '@notify/contracts';
import type { ClientConnection, Transport } from '../connections/connection';

export type NotifySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A socket.io socket as a ClientConnection. Its backlog is engine.io's write buffer: packets not yet handed to the transport. */
export function socketConnection(socket: NotifySocket, backlogLimit: number): ClientConnection {
  return {
    id: socket.id,
    userId: socket.data.userId,
    device: socket.data.device,
    transport: () => socket.conn.transport.name as Transport,
    backlog: () => pendingPackets(socket),
    backlogLimit,
    whenDrained: (timeoutMs) => whenBelow(socket, backlogLimit, timeoutMs),
    // A notification that replaces an unread one is `updated`, so the client shows it in that one's place.
    sendNotification: (n) => (n.supersedes === undefined ? socket.emit('notification', n) : socket.emit('updated', { ...n, supersedes: n.supersedes })),
    sendCursor: (seq) => socket.emit('cursor', { seq }),
    sendUnread: (count) => socket.emit('unread', { count }),
    sendState: (update) => socket.emit('state', update),
    // Closing the transport (not a socket.io disconnect) lets any socket.io client reconnect on its own;
    // the drain advice is flushed first, the SDK then waits as told.
    drain: (reconnectAfterMs) => {
      socket.data.closeReason = 'draining';
      socket.emit('drain', { reconnectAfterMs });
      socket.conn.close();
    },
    close: (reason) => {
      socket.data.closeReason = reason;
      socket.conn.close(true);
    },
  };
}

/**
 * engine.io queues packets in `writeBuffer` while the transport is still writing earlier ones (a
 * stalled client's TCP window is full); that queue is the memory a slow client costs. It is not in
 * engine.io's typings, hence the narrow cast.
 */
function pendingPackets(socket: NotifySocket): number {
  return (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
}

function whenBelow(socket: NotifySocket, limit: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (drained: boolean) => {
      clearTimeout(timer);
      socket.conn.off('drain', check);
      socket.conn.off('close', closed);
      resolve(drained);
    };
    const check = () => pendingPackets(socket) < limit && done(true);
    const closed = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.conn.on('drain', check);
    socket.conn.once('close', closed);
    check();
  });
}
