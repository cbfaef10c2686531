/**
 * Transports compared on identical notifications: socket.io over WebSocket, socket.io long-polling,
 * SSE (`GET /v1/stream`), and short polling of `GET /v1/inbox?after=` every 1 s and every 5 s.
 *   npm run bench:transports
 * Needs `npm run infra:up` (Kafka). One gateway process (inbox in memory, delivery over Kafka);
 * BENCH_TRANSPORT_CLIENTS (default 200) clients per transport, each transport behind its own counting
 * TCP proxy. Clients connect spread over one socket.io ping interval (BENCH_CONNECT_SPREAD_SECONDS),
 * so their heartbeats and polls are out of step as in the field. Then:
 *   idle    BENCH_IDLE_SECONDS (60) with no notifications: requests and bytes per minute per client;
 *   active  BENCH_SECONDS (30) of notifications written to deliver.inapp, BENCH_RATE per second per
 *           transport (default: one per client every 5 s), the same users' turn at the same moment on
 *           every transport: written → received latency, and bytes per notification.
 * Prints a table and writes bench/results/transports.json (and redraws its chart).
 */
import { cpus } from 'node:os';
import { KafkaBus } from '@notify/bus';
import { topics, type ClientNotification, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, sleep, waitFor } from '@notify/testing';
import { countsBetween, startCountingProxy, type CountingProxy, type WireCounts } from './support/counting-proxy';
import { connectSocketClient, connectSseClient, deleteRunTopics, percentile, startPollingClient, startServer, stopServer, userToken, type BenchClient } from './support/harness';
import { takeReading, usageBetween } from './support/process-readings';
import { saveResults } from './support/results';

const CLIENTS = Number(process.env.BENCH_TRANSPORT_CLIENTS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? CLIENTS / 5);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-tr-${Date.now().toString(36)}`;
const jwtSecret = 'bench-jwt-secret-0123456789abcdefghij';

type Receive = (n: ClientNotification) => void;
const transports: Array<{ name: string; connect: (url: string, token: string, onNotification: Receive) => Promise<BenchClient> }> = [
  { name: 'websocket', connect: (url, token, on) => connectSocketClient(url, token, 'websocket', on) },
  { name: 'long-polling', connect: (url, token, on) => connectSocketClient(url, token, 'polling', on) },
  { name: 'sse', connect: connectSseClient },
  { name: 'short-polling-1s', connect: (url, token, on) => startPollingClient(url, token, 1000, on) },
  { name: 'short-polling-5s', connect: (url, token, on) => startPollingClient(url, token, 5000, on) },
];

/** What one transport's clients received: each notification once, in order, and how long it took. */
class Tally {
  readonly latencies: number[] = [];
  /** Written and not yet received, by notification id. */
  readonly pending = new Set<string>();
  duplicates = 0;
  outOfOrder = 0;
  private readonly received = new Set<string>();
  private readonly lastSeq = new Map<string, number>();

  expect(notificationId: string): void {
    this.pending.add(notificationId);
  }

  record(userId: string, n: ClientNotification): void {
    if ((this.lastSeq.get(userId) ?? 0) >= n.seq) this.outOfOrder++;
    this.lastSeq.set(userId, n.seq);
    if (this.received.has(n.notificationId)) return void this.duplicates++;
    this.received.add(n.notificationId);
    this.pending.delete(n.notificationId);
    if (!n.notificationId.startsWith('warm-up')) this.latencies.push(Date.now() - Number(n.content.data.writtenAt));
  }
}

const gatewayPort = await freePort();
const server = await startServer('gateway-server.ts', { PORT: String(gatewayPort), BENCH_KAFKA_BROKERS: brokers.join(','), BENCH_TOPIC_PREFIX: run, BENCH_JWT_SECRET: jwtSecret });
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
// The engine.io handshake states the ping interval: the longest idle period here, over which connects are spread.
const handshake = await (await fetch(`${gatewayUrl}/socket.io/?EIO=4&transport=polling`)).text();
const { pingInterval } = JSON.parse(handshake.slice(1)) as { pingInterval: number };
const spreadMs = Number(process.env.BENCH_CONNECT_SPREAD_SECONDS ?? pingInterval / 1000) * 1000;

const producer = new KafkaBus({ brokers, clientId: 'bench-producer', service: 'bench', topicPrefix: run, logger: silentLogger(), metrics: createMetricsRegistry('bench', { processMetrics: false }), provision: [] });
await producer.start();
/** Writes one notification per target, all alike but for ids, and tells each transport's tally what to expect. */
const write = (targets: Array<{ lane: Lane; userId: string; notificationId: string }>) => {
  const writtenAt = Date.now();
  for (const { lane, notificationId } of targets) lane.tally.expect(notificationId);
  const messages = targets.map(({ userId, notificationId }): { value: Notification } => ({
    value: { version: 1, notificationId, eventId: notificationId, userId, type: 'bench.message', priority: 'transactional', content: { title: 'New comment on your post', body: 'Alex: looks good to me, shipping it today', data: { writtenAt } }, createdAt: new Date(writtenAt).toISOString() },
  }));
  return producer.publish(topics.deliverInapp, messages);
};

type Lane = (typeof transports)[number] & { proxy: CountingProxy; tally: Tally; clients: BenchClient[] };
const lanes: Lane[] = await Promise.all(transports.map(async (t) => ({ ...t, proxy: await startCountingProxy(gatewayUrl), tally: new Tally(), clients: [] })));
const userOf = (transport: string, i: number) => `${transport}-${i}`;

console.log(`${CLIENTS} clients per transport connecting over ${(spreadMs / 1000).toFixed(0)} s (socket.io ping interval ${pingInterval} ms)`);
const connectStarted = Date.now();
await Promise.all(
  Array.from({ length: CLIENTS }, (_, i) =>
    lanes.map(async (lane, t) => {
      await sleep(((i * lanes.length + t) / (CLIENTS * lanes.length)) * spreadMs);
      const userId = userOf(lane.name, i);
      lane.clients.push(await lane.connect(lane.proxy.url, await userToken(jwtSecret, userId), (n) => lane.tally.record(userId, n)));
    }),
  ).flat(),
);
console.log(`connected in ${((Date.now() - connectStarted) / 1000).toFixed(1)} s`);

// One notification each proves every client receives, and warms the paths up before anything is measured.
await write(lanes.flatMap((lane) => Array.from({ length: CLIENTS }, (_, i) => ({ lane, userId: userOf(lane.name, i), notificationId: `warm-up:${userOf(lane.name, i)}` }))));
await waitFor('every client to receive its warm-up notification', () => lanes.every((lane) => lane.tally.pending.size === 0), { timeoutMs: 60_000, intervalMs: 100 });
await sleep(2000);

const snapshot = () => lanes.map((lane) => lane.proxy.counts());
console.log(`idle for ${IDLE_SECONDS} s`);
const idleStart = { counts: snapshot(), at: Date.now(), reading: await takeReading([gatewayUrl]) };
await sleep(IDLE_SECONDS * 1000);
const idle = { counts: snapshot().map((c, t) => countsBetween(idleStart.counts[t]!, c)), ms: Date.now() - idleStart.at, usage: usageBetween(idleStart.reading, await takeReading([gatewayUrl])) };

console.log(`active for ${SECONDS} s at ${RATE} notifications/s per transport`);
const activeStart = { counts: snapshot(), at: Date.now(), reading: await takeReading([gatewayUrl]) };
const total = Math.round(RATE * SECONDS);
// Ticks of 100 ms, each writing its share; notification k goes to client k mod CLIENTS of every transport at once.
for (let tick = 0, written = 0; written < total; tick++) {
  const due = Math.min(total, Math.round(((tick + 1) * RATE) / 10));
  const ks = Array.from({ length: due - written }, (_, j) => written + j);
  written = due;
  if (ks.length > 0) await write(ks.flatMap((k) => lanes.map((lane) => ({ lane, userId: userOf(lane.name, k % CLIENTS), notificationId: `n${k}:${userOf(lane.name, k % CLIENTS)}` }))));
  const wait = activeStart.at + (tick + 1) * 100 - Date.now();
  if (wait > 0) await sleep(wait);
}
await waitFor('every notification to arrive', () => lanes.every((lane) => lane.tally.pending.size === 0), { timeoutMs: 60_000, intervalMs: 100 }).catch((err: Error) => console.log(err.message));
const active = { counts: snapshot().map((c, t) => countsBetween(activeStart.counts[t]!, c)), ms: Date.now() - activeStart.at, usage: usageBetween(activeStart.reading, await takeReading([gatewayUrl])) };
for (const [phase, { usage }] of Object.entries({ idle, active })) {
  console.log(`${phase}: cores busy: machine ${usage.cores.machine}, gateway ${usage.cores.product}, clients and proxies ${usage.cores.clients}, broker and rest ${usage.cores.rest}; gateway event-loop delay p99 ${usage.eventLoopDelayMs.p99} ms, max ${usage.eventLoopDelayMs.max} ms`);
}

const perMinute = (n: number, ms: number) => (n / CLIENTS / ms) * 60_000;
const round2 = (n: number) => Math.round(n * 100) / 100;
const bytesOf = (c: WireCounts) => c.bytesUp + c.bytesDown;
const results = lanes.map((lane, t) => {
  const [idleCounts, activeCounts] = [idle.counts[t]!, active.counts[t]!];
  const sorted = [...lane.tally.latencies].sort((a, b) => a - b);
  const received = sorted.length;
  // Net of the idle baseline: what delivering costs on top of staying connected for the same time.
  const baseline = active.ms / idle.ms;
  return {
    transport: lane.name,
    sent: total,
    received,
    duplicates: lane.tally.duplicates,
    outOfOrder: lane.tally.outOfOrder,
    latency: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN },
    bytesPerNotification: Math.round((bytesOf(activeCounts) - bytesOf(idleCounts) * baseline) / received),
    bytesPerNotificationGross: Math.round(bytesOf(activeCounts) / received),
    requestsPerNotification: round2((activeCounts.requests - idleCounts.requests * baseline) / received),
    idle: {
      requestsPerMinute: round2(perMinute(idleCounts.requests, idle.ms)),
      bytesPerMinute: Math.round(perMinute(bytesOf(idleCounts), idle.ms)),
      // WebSocket frames both ways, or SSE events and comments; polling transports' messages are their requests.
      framesPerMinute: lane.name === 'websocket' ? round2(perMinute(idleCounts.framesUp + idleCounts.framesDown, idle.ms)) : lane.name === 'sse' ? round2(perMinute(idleCounts.eventStreamBlocks, idle.ms)) : null,
    },
  };
});
for (const lane of lanes) {
  if (lane.tally.pending.size > 0) console.log(`${lane.name}: ${lane.tally.pending.size} not received, e.g. ${[...lane.tally.pending].slice(0, 5).join(', ')}`);
  const failed = lane.clients.reduce((n, c) => n + (c.failedRequests ?? 0), 0);
  if (failed > 0) console.log(`${lane.name}: ${failed} polls failed (retried on the next beat)`);
}
printTable(results);
console.log('bytes: TCP payload both ways through each transport\'s proxy (HTTP heads, framing, pings, acks, polls); per notification net of the idle baseline (gross: everything in the active window)');

await saveResults('transports', {
  benchmark: 'transports',
  clients: CLIENTS,
  seconds: SECONDS,
  idleSeconds: IDLE_SECONDS,
  rate: RATE,
  socketIoPingIntervalMs: pingInterval,
  transports: results,
  // The gateway is "product" in these readings; the clients and the counting proxies share this process.
  usage: { idle: idle.usage, active: active.usage },
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  takenAt: new Date().toISOString(),
});
for (const lane of lanes) {
  for (const client of lane.clients) client.close();
  await lane.proxy.stop();
}
await producer.stop();
await stopServer(server);
await deleteRunTopics(brokers, run);
process.exit(0);

function printTable(rows: typeof results): void {
  const header = ['transport', 'received', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'B/notif net', 'B/notif gross', 'req/notif', 'idle req/min', 'idle B/min', 'idle frames/min'];
  const lines = rows.map((r) => [
    r.transport,
    `${r.received}/${r.sent}${r.duplicates ? ` +${r.duplicates} dup` : ''}${r.outOfOrder ? ` ${r.outOfOrder} out of order` : ''}`,
    ...[r.latency.p50, r.latency.p95, r.latency.p99, r.latency.max].map(String),
    String(r.bytesPerNotification),
    String(r.bytesPerNotificationGross),
    String(r.requestsPerNotification),
    String(r.idle.requestsPerMinute),
    String(r.idle.bytesPerMinute),
    r.idle.framesPerMinute === null ? '-' : String(r.idle.framesPerMinute),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}
