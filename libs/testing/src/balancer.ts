import { createServer, type Socket } from 'node:net';
import { relayConnection } from './tcp-relay';

export interface Balancer {
  url: string;
  /** Which backend each accepted connection went to, and when, in order. */
  readonly routed: ReadonlyArray<{ backend: string; at: number }>;
  /** When each backend was last taken out of the rotation (a 503 from /readyz, or silence). */
  readonly takenOutAt: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/** Consecutive checks without an answer after which a backend is taken out (HAProxy's `fall`). */
const FALL_AFTER_SILENT_CHECKS = 3;

/**
 * A TCP load balancer for tests of several instances behind one address: each new connection goes
 * round-robin to a ready backend, as a real balancer's health check would decide it. /readyz is
 * checked every 100 ms, one check at a time: a 200 makes a backend ready, any other answer (a
 * draining instance's 503) takes it out at once, and so do three checks in a row without an
 * answer in 1 s (a dead process). A single slow answer from a busy instance leaves it in.
 * Existing connections are left alone when a backend turns unready.
 */
export async function startBalancer(backends: string[]): Promise<Balancer> {
  const ready = new Set<string>();
  const takenOutAt = new Map<string, number>();
  const takeOut = (backend: string) => {
    if (ready.delete(backend)) takenOutAt.set(backend, Date.now());
  };
  const silentChecks = new Map<string, number>();
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      await Promise.all(
        backends.map(async (backend) => {
          const answer = await fetch(`${backend}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
          if (answer === undefined) {
            const silent = (silentChecks.get(backend) ?? 0) + 1;
            silentChecks.set(backend, silent);
            if (silent >= FALL_AFTER_SILENT_CHECKS) takeOut(backend);
            return;
          }
          silentChecks.set(backend, 0);
          await answer.body?.cancel();
          if (answer.status === 200) ready.add(backend);
          else takeOut(backend);
        }),
      );
    } finally {
      checking = false;
    }
  };
  await check();
  const poller = setInterval(() => void check(), 100);
  const routed: Array<{ backend: string; at: number }> = [];
  const open = new Set<Socket>();
  let next = 0;
  const server = createServer((client) => {
    const candidates = backends.filter((b) => ready.has(b));
    if (candidates.length === 0) return client.destroy();
    const backend = candidates[next++ % candidates.length]!;
    routed.push({ backend, at: Date.now() });
    relayConnection(client, new URL(backend), open);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    takenOutAt,
    stop: async () => {
      clearInterval(poller);
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
