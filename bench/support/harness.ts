import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'eventsource';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { NotifyClient, requestStreamTicket } from '@notify/client';
import type { ClientNotification } from '@notify/contracts';

/**
 * The V8 setting the product's processes run with (npm start, nx serve, the Docker image): a 64 MiB
 * young generation. BENCH_PRODUCT_FLAGS replaces it, to compare settings (an empty value runs Node's defaults).
 */
const PRODUCT_NODE_FLAGS = (process.env.BENCH_PRODUCT_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);

/**
 * Runs a script under support/ as its own process (so its memory and CPU are its own), with the
 * flags the product runs with, and waits for its READY line.
 */
export async function startServer(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildProcess> {
  const server = spawn(process.execPath, [...PRODUCT_NODE_FLAGS, ...nodeArgs, '--import', 'tsx', fileURLToPath(new URL(`./${script}`, import.meta.url))], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve());
    server.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return server;
}

/** Asks a server started by `startServer` to stop, and waits (15 s at most) until it has. */
export async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref())]);
}

/**
 * Deletes the topics a run created (every one named `<prefix>.…`) once its processes have stopped,
 * so that runs do not pile partitions up on the local broker and slow the next one down.
 */
export async function deleteRunTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const created = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (created.length > 0) await admin.deleteTopics({ topics: created, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** A signed token for `userId`, valid for an hour: what the gateway's clients present. */
export const userToken = (jwtSecret: string, userId: string): Promise<string> =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(new TextEncoder().encode(jwtSecret));

/** Connects `count` users (user-0 …) through the client SDK over WebSocket, 250 at a time, each calling `onNotification`. */
export async function connectClients(url: string, jwtSecret: string, count: number, onNotification: (n: ClientNotification) => void, options: { autoAck?: boolean } = {}): Promise<NotifyClient[]> {
  const clients: NotifyClient[] = [];
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, async (_, j) => {
        const token = await userToken(jwtSecret, `user-${i + j}`);
        const client = new NotifyClient({ url, token, transports: ['websocket'], ...(options.autoAck === undefined ? {} : { autoAck: options.autoAck }) });
        client.on('notification', onNotification);
        await client.connect();
        clients.push(client);
      }),
    );
  }
  return clients;
}

/** The value at percentile p of an ascending list. */
export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** A benchmark client of any transport, connected and receiving until closed. */
export interface BenchClient {
  /** Requests that failed and were retried on the next beat (polling clients). */
  readonly failedRequests?: number;
  close(): void;
}

/** One client through the SDK over one socket.io transport (`polling` alone never upgrades); it acknowledges what it receives, as apps do. */
export async function connectSocketClient(url: string, token: string, transport: 'websocket' | 'polling', onNotification: (n: ClientNotification) => void): Promise<BenchClient> {
  const client = new NotifyClient({ url, token, transports: [transport] });
  client.on('notification', onNotification);
  await client.connect();
  return client;
}

/**
 * One `GET /v1/stream` reader through the eventsource package, which behaves as a browser's
 * EventSource: the page trades its token for a single-use ticket (`POST /v1/stream/tickets`, the
 * token in the Authorization header) and the stream's URL carries only the ticket (EventSource cannot
 * set headers). Resolves once the stream has said where it starts.
 */
export async function connectSseClient(url: string, token: string, onNotification: (n: ClientNotification) => void): Promise<BenchClient> {
  const { streamUrl } = await requestStreamTicket(url, token);
  const stream = new EventSource(streamUrl);
  stream.addEventListener('notification', (event) => onNotification(JSON.parse(event.data) as ClientNotification));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the SSE stream sent no cursor within 30 s')), 30_000);
    stream.addEventListener('cursor', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return stream;
}

/**
 * Short polling of `GET /v1/inbox?after=<cursor>`, as an app without a live connection would: a poll
 * every `intervalMs` on a fixed cadence (a beat is skipped while the previous poll is still out), the
 * cursor taken from each answer, and a full page fetched again at once. Starts after seq 0 (a new
 * user's inbox is empty); resolves after the first poll.
 */
export async function startPollingClient(url: string, token: string, intervalMs: number, onNotification: (n: ClientNotification) => void): Promise<BenchClient> {
  // The inbox's default page size, so a poll carries no `limit`, as the documented short-polling call.
  const pageSize = 20;
  let cursor = 0;
  let polling = false;
  let failedPolls = 0;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      for (let full = true; full; ) {
        const response = await fetch(`${url}/v1/inbox?after=${cursor}`, { headers: { authorization: `Bearer ${token}` } });
        if (!response.ok) throw new Error(`inbox answered ${response.status}`);
        const page = (await response.json()) as { items: ClientNotification[]; cursor: number };
        for (const n of page.items) onNotification(n);
        cursor = page.cursor;
        full = page.items.length === pageSize;
      }
    } catch {
      failedPolls++;
    } finally {
      polling = false;
    }
  };
  await poll();
  const timer = setInterval(() => void poll(), intervalMs);
  return {
    get failedRequests() {
      return failedPolls;
    },
    close: () => clearInterval(timer),
  };
}
