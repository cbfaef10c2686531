/**
 * Gateway: connections one instance holds, memory per connection, and delivery latency.
 *   npm run bench:gateway                       Kafka for delivery, in-process inbox
 *   npm run bench:gateway -- --store=mongo      the inbox on the MongoDB-wire server too
 * Needs `npm run infra:up`. BENCH_CONNECTIONS (default 5000) clients connect through the client SDK
 * (WebSocket); then notifications are written to deliver.inapp at BENCH_RATES (default 200,1000 per
 * second, 10 s each) for random connected users, and each client records written → received.
 * Prints the numbers and writes bench/results/gateway-<connections>[-mongo].json and the chart.
 */
import { cpus } from 'node:os';
import { KafkaBus } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, waitFor } from '@notify/testing';
import { connectClients, deleteRunTopics, percentile, startServer, stopServer } from './support/harness';
import { saveResults } from './support/results';

const withMongo = process.argv.includes('--store=mongo');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 5000);
const RATES = (process.env.BENCH_RATES ?? '200,1000').split(',').map(Number);
const SECONDS_PER_RATE = Number(process.env.BENCH_SECONDS ?? 10);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-gw-${Date.now().toString(36)}`;
const jwtSecret = 'bench-jwt-secret-0123456789abcdefghij';

const port = await freePort();
const server = await startServer(
  'gateway-server.ts',
  {
    PORT: String(port),
    BENCH_KAFKA_BROKERS: brokers.join(','),
    BENCH_TOPIC_PREFIX: run,
    BENCH_JWT_SECRET: jwtSecret,
    ...(withMongo ? { BENCH_MONGO_URL: `${process.env.MONGO_URL?.replace(/\/[^/]*$/, '') ?? 'mongodb://127.0.0.1:27017'}/${run}` } : {}),
  },
  ['--expose-gc'],
);
const url = `http://127.0.0.1:${port}`;
const memory = async () => (await (await fetch(`${url}/bench/gc`, { method: 'POST' })).json()) as { rss: number; heapUsed: number };

const idle = await memory();
const latencies: number[] = [];
const connectStarted = performance.now();
const clients = await connectClients(url, jwtSecret, CONNECTIONS, (n) => latencies.push(Date.now() - Number(n.content.data.writtenAt)), { autoAck: false });
const connectSeconds = (performance.now() - connectStarted) / 1000;
await new Promise((r) => setTimeout(r, 2000));
const loaded = await memory();
const perConnection = { rssBytes: Math.round((loaded.rss - idle.rss) / CONNECTIONS), heapBytes: Math.round((loaded.heapUsed - idle.heapUsed) / CONNECTIONS) };
console.log(`${CONNECTIONS} connections in ${connectSeconds.toFixed(1)} s (${Math.round(CONNECTIONS / connectSeconds)}/s); memory per connection: ${(perConnection.rssBytes / 1024).toFixed(1)} KiB RSS, ${(perConnection.heapBytes / 1024).toFixed(1)} KiB heap`);

const producer = new KafkaBus({ brokers, clientId: 'bench-producer', service: 'bench', topicPrefix: run, logger: silentLogger(), metrics: createMetricsRegistry('bench', { processMetrics: false }), provision: [] });
await producer.start();
let sequence = 0;
const notificationFor = (userId: string): Notification => {
  const n = ++sequence;
  return { version: 1, notificationId: `b${n}:${userId}`, eventId: `b${n}`, userId, type: 'bench.message', priority: 'transactional', content: { title: `message ${n}`, data: { writtenAt: Date.now() } }, createdAt: new Date().toISOString() };
};

const byRate = [];
for (const rate of RATES) {
  latencies.length = 0;
  const total = rate * SECONDS_PER_RATE;
  const started = Date.now();
  // Ticks of 10 ms, each writing its share, as a steady producer would.
  for (let tick = 0, written = 0; written < total; tick++) {
    const due = Math.min(total, Math.round(((tick + 1) * rate) / 100));
    const batch = Array.from({ length: due - written }, () => ({ value: notificationFor(`user-${Math.floor(Math.random() * CONNECTIONS)}`) }));
    written = due;
    if (batch.length > 0) await producer.publish(topics.deliverInapp, batch);
    const wait = started + (tick + 1) * 10 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await waitFor(`all ${total} notifications to arrive`, () => latencies.length >= total, { timeoutMs: 120_000, intervalMs: 100 }).catch(() => undefined);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = { rate, sent: total, received: latencies.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) };
  byRate.push(result);
  console.log(`${rate}/s for ${SECONDS_PER_RATE} s: received ${result.received}/${total}; written → received p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, max ${result.max} ms`);
}

const results = {
  benchmark: 'gateway',
  store: withMongo ? 'mongodb-wire (FerretDB)' : 'in-process',
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  connections: CONNECTIONS,
  connectPerSecond: Math.round(CONNECTIONS / connectSeconds),
  memoryPerConnection: perConnection,
  gatewayMemory: { idleRssBytes: idle.rss, loadedRssBytes: loaded.rss },
  latency: byRate,
  takenAt: new Date().toISOString(),
};
await saveResults(`gateway-${CONNECTIONS}${withMongo ? '-mongo' : ''}`, results);
for (const c of clients) c.close();
await producer.stop();
await stopServer(server);
await deleteRunTopics(brokers, run);
process.exit(0);
