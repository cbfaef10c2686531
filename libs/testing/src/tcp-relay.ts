import { connect, type Socket } from 'node:net';

/**
 * Joins an accepted connection to a new one to `target` (host:port of a URL), both ways, as a TCP
 * proxy or balancer does, and tracks both sockets in `open` until they close. Each write is forwarded
 * at once (no Nagle delay), so the relay adds no latency of its own; an error on either side closes both.
 */
export function relayConnection(client: Socket, target: URL, open: Set<Socket>): Socket {
  const upstream = connect(Number(target.port), target.hostname);
  for (const socket of [client, upstream]) {
    socket.setNoDelay(true);
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
  }
  client.pipe(upstream).pipe(client);
  return upstream;
}
