/**
 * Gateway: connections one instance holds, memory per connection, delivery latency and throughput.
 *   npm run bench:gateway                       Kafka for delivery, in-process inbox
 *   npm run bench:gateway -- --store=mongo      the inbox on the MongoDB-wire server too
 * Needs `npm run infra:up`. BENCH_CONNECTIONS (default 5000) clients connect through the client SDK
 * (WebSocket). Each user then gets one notification, all written at once (a user's first since
 * the gateway started costs it one inbox read); then notifications are written to deliver.inapp at
 * BENCH_RATES (default 200,1000 per second in memory, 500,1000,2000 on the MongoDB-wire server;
 * BENCH_SECONDS, 10, each) for random connected users, and each client records written → received.
 * Last, BENCH_FLOOD (default 50,000) notifications are written at once: how many per second the
 * gateway stores and delivers when it has all it can take. Each phase reads the cores used by the
 * gateway, the clients, Kafka, FerretDB and PostgreSQL. BENCH_GATEWAY_PROFILE=<dir> writes a CPU
 * profile of the gateway there. Prints the numbers and writes
 * bench/results/gateway-<connections>[-mongo].json and the chart.
 */
import { cpus } from 'node:os';
import { KafkaBus } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { connectMongo } from '@notify/store';
import { freePort, waitFor } from '@notify/testing';
import { connectClients, deleteRunTopics, percentile, startServer, stopServer } from './support/harness';
import { serverCoresBetween, serverCpuSeconds, takeReading, usageBetween } from './support/process-readings';
import { saveResults } from './support/results';

const withMongo = process.argv.includes('--store=mongo');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 5000);
const RATES = (process.env.BENCH_RATES ?? (withMongo ? '500,1000,2000' : '200,1000')).split(',').map(Number);
const SECONDS_PER_RATE = Number(process.env.BENCH_SECONDS ?? 10);
const FLOOD = Number(process.env.BENCH_FLOOD ?? 50_000);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-gw-${Date.now().toString(36)}`;
const jwtSecret = 'bench-jwt-secret-0123456789abcdefghij';
const mongoUrl = `${process.env.MONGO_URL?.replace(/\/[^/]*$/, '') ?? 'mongodb://127.0.0.1:27017'}/${run}`;

const port = await freePort();
const server = await startServer(
  'gateway-server.ts',
  {
    PORT: String(port),
    BENCH_KAFKA_BROKERS: brokers.join(','),
    BENCH_TOPIC_PREFIX: run,
    BENCH_JWT_SECRET: jwtSecret,
    ...(withMongo ? { BENCH_MONGO_URL: mongoUrl } : {}),
  },
  ['--expose-gc', ...(process.env.BENCH_GATEWAY_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_GATEWAY_PROFILE}`] : [])],
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

const storeCommands = async () => (await (await fetch(`${url}/bench/store-commands`)).json()) as Record<string, number>;

/**
 * What a phase cost: the cores used by the gateway process, this one (clients and producer) and the
 * servers, and the operations the gateway asked of the MongoDB-wire server (FerretDB and PostgreSQL
 * are shared with whatever else runs on the machine; the operation count is the gateway's alone).
 */
async function phaseCpu<T>(work: () => Promise<T>): Promise<{ result: T; cores: Record<string, number | null>; storeCommands: Record<string, number> }> {
  const [startReading, startServers, startCommands] = [await takeReading([url]), serverCpuSeconds(), await storeCommands()];
  const result = await work();
  const [endReading, endServers, endCommands] = [await takeReading([url]), serverCpuSeconds(), await storeCommands()];
  const usage = usageBetween(startReading, endReading);
  const servers = serverCoresBetween(startServers, endServers, (endReading.at - startReading.at) / 1000);
  const commands = Object.fromEntries(Object.entries(endCommands).map(([name, count]) => [name, count - (startCommands[name] ?? 0)]).filter(([, count]) => (count as number) > 0));
  return { result, cores: { gateway: usage.cores.product, clients: usage.cores.clients, ...servers, machine: usage.cores.machine }, storeCommands: commands };
}
const describeCommands = (commands: Record<string, number>, notifications: number) => {
  const total = Object.values(commands).reduce((a, b) => a + b, 0);
  return `${total} store operations (${round(total / notifications)} per notification${total > 0 ? `: ${Object.entries(commands).map(([name, count]) => `${name} ${count}`).join(', ')}` : ''})`;
};
const describeCores = (cores: Record<string, number | null>) =>
  Object.entries(cores)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');

// Each user's first notification since the gateway started, all at once: a user the gateway has not
// numbered for yet costs one inbox read (what came before it), every later one none.
latencies.length = 0;
const { result: firsts, cores: firstCores, storeCommands: firstCommands } = await phaseCpu(() =>
  writeAllAtOnce(Array.from({ length: CONNECTIONS }, (_, i) => `user-${i}`).sort(() => Math.random() - 0.5)),
);
const firstResult = { notifications: CONNECTIONS, received: firsts.received, seconds: round(firsts.seconds), perSecond: Math.round(firsts.received / firsts.seconds), cores: firstCores, storeCommands: firstCommands };
console.log(`first notification of each of the ${CONNECTIONS} users: ${firsts.received} received in ${firstResult.seconds} s (${firstResult.perSecond}/s); cores: ${describeCores(firstCores)}; ${describeCommands(firstCommands, CONNECTIONS)}`);

const byRate = [];
for (const rate of RATES) {
  latencies.length = 0;
  const total = rate * SECONDS_PER_RATE;
  const { cores, storeCommands: commands } = await phaseCpu(() => writeAtRate(rate, total));
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = { rate, sent: total, received: latencies.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1), cores, storeCommands: commands };
  byRate.push(result);
  console.log(`${rate}/s for ${SECONDS_PER_RATE} s: received ${result.received}/${total}; written → received p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, max ${result.max} ms; cores: ${describeCores(cores)}; ${describeCommands(commands, total)}`);
}

/** Writes `total` notifications at `rate` per second and waits (2 minutes at most) for all to arrive. */
async function writeAtRate(rate: number, total: number): Promise<void> {
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
}

// The flood: everything written at once; the clock runs from the first write to the last arrival.
latencies.length = 0;
const { result: flood, cores: floodCores, storeCommands: floodCommands } = await phaseCpu(() => writeAllAtOnce(Array.from({ length: FLOOD }, () => `user-${Math.floor(Math.random() * CONNECTIONS)}`)));

/** One notification for each of `users`, written as fast as the producer goes; waits (10 minutes at most) for all to arrive. */
async function writeAllAtOnce(users: string[]): Promise<{ writeSeconds: number; seconds: number; received: number }> {
  const started = performance.now();
  for (let written = 0; written < users.length; written += 1000) {
    await producer.publish(
      topics.deliverInapp,
      users.slice(written, written + 1000).map((userId) => ({ value: notificationFor(userId) })),
    );
  }
  const writeSeconds = (performance.now() - started) / 1000;
  await waitFor(`all ${users.length} notifications to arrive`, () => latencies.length >= users.length, { timeoutMs: 600_000, intervalMs: 50 }).catch(() => undefined);
  return { writeSeconds, seconds: (performance.now() - started) / 1000, received: latencies.length };
}
const stored = withMongo ? await countStored() : null;
const floodResult = { notifications: FLOOD, received: flood.received, stored, writeSeconds: round(flood.writeSeconds), seconds: round(flood.seconds), perSecond: Math.round(flood.received / flood.seconds), cores: floodCores, storeCommands: floodCommands };
console.log(
  `flood of ${FLOOD}: written in ${floodResult.writeSeconds} s, ${flood.received} received${stored === null ? '' : ` (${stored} stored in the inbox)`} in ${floodResult.seconds} s: ${floodResult.perSecond} notifications/s stored and delivered; cores: ${describeCores(floodCores)}; ${describeCommands(floodCommands, FLOOD)}`,
);

/** Every notification of the run in the inbox on the MongoDB-wire server (the rates' and the flood's). */
async function countStored(): Promise<number> {
  const connection = await connectMongo({ url: mongoUrl, attempts: 1 });
  try {
    return await connection.db!.collection('inbox').countDocuments();
  } finally {
    await connection.close();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const results = {
  benchmark: 'gateway',
  store: withMongo ? 'mongodb-wire (FerretDB on PostgreSQL)' : 'in-process',
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  connections: CONNECTIONS,
  connectPerSecond: Math.round(CONNECTIONS / connectSeconds),
  memoryPerConnection: perConnection,
  gatewayMemory: { idleRssBytes: idle.rss, loadedRssBytes: loaded.rss },
  firstPerUser: firstResult,
  latency: byRate,
  flood: floodResult,
  takenAt: new Date().toISOString(),
};
await saveResults(`gateway-${CONNECTIONS}${withMongo ? '-mongo' : ''}`, results);
for (const c of clients) c.close();
await producer.stop();
await stopServer(server);
await deleteRunTopics(brokers, run);
if (withMongo) {
  const connection = await connectMongo({ url: mongoUrl, attempts: 1 });
  await connection.dropDatabase();
  await connection.close();
}
process.exit(0);
