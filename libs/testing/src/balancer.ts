import { createServer, type Socket } from 'node:net';
import { relayConnection } from './tcp-relay';

export interface Balancer {
  url: string;
  /** Which backend each accepted connection went to, in order. */
  readonly routed: string[];
  stop(): Promise<void>;
}

/**
 * A TCP load balancer for tests of several instances behind one address: each new connection goes
 * round-robin to a backend whose /readyz answered 200 at the last check (every 100 ms), as a real
 * balancer's health check would. Existing connections are left alone when a backend turns unready.
 */
export async function startBalancer(backends: string[]): Promise<Balancer> {
  const ready = new Set<string>();
  const check = async () => {
    await Promise.all(
      backends.map(async (backend) => {
        const ok = (await fetch(`${backend}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.status === 200;
        if (ok) ready.add(backend);
        else ready.delete(backend);
      }),
    );
  };
  await check();
  const poller = setInterval(() => void check(), 100);
  const routed: string[] = [];
  const open = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    const candidates = backends.filter((b) => ready.has(b));
    if (candidates.length === 0) return client.destroy();
    const backend = candidates[next++ % candidates.length]!;
    routed.push(backend);
    relayConnection(client, new URL(backend), open);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    stop: async () => {
      clearInterval(poller);
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
