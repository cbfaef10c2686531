/**
 * Transactional latency through the whole product: a product event written to `notify.events`
 * with a plain kafkajs producer → router → deliver.inapp → gateway → the user's socket.io client.
 *   npm run bench:latency                    steady rates, and the first rate under a marketing flood
 *   npm run bench:latency -- --no-lanes      marketing written to the same intake topic (one FIFO)
 *   npm run bench:latency -- --distributed   router, gateway, presence and push each its own process
 *   npm run bench:latency -- --store=mongo   every store on the MongoDB-wire server (the real data path)
 *   npm run bench:latency -- --soak          BENCH_SOAK_SECONDS (600) at BENCH_SOAK_RATE (500/s) with
 *                                            retention on and short windows: p99 and the database's size
 *                                            sampled every BENCH_SAMPLE_SECONDS (10)
 * Needs `npm run infra:up`. The product runs in one process (every module, Kafka), or with
 * --distributed as four (each on Kafka). Without --store=mongo each keeps its store in memory: a lab
 * figure, the pipeline's own cost without the database.
 *
 * Every measurement gets a freshly started product with its own topics: the in-memory store keeps
 * every notification, status and digest, so a product that had already taken the earlier runs would
 * be measured with their heap (and its garbage collection), which MongoDB keeps out of the process.
 * Each starts with BENCH_CLIENTS (default 2,000) users connected through the client SDK and
 * BENCH_WARMUP_SECONDS (default 10) not counted (connections, JIT and consumer fetch sessions settle).
 *   steady  each of BENCH_RATES (default 500,1000,2000,5000 events/s) for BENCH_SECONDS (10), to
 *           random connected users;
 *   flood   the first rate, then BENCH_FLOOD (default 100,000) marketing events written and the
 *           same rate measured again while they are routed, then the time the flood took in all.
 * Each phase also reads where the CPU went (product, clients, broker), the product's event-loop
 * delay, GC pauses and heap.
 * Prints the numbers and writes bench/results/end-to-end-latency[-no-lanes][-distributed].json and the chart.
 */
import { cpus } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { NotifyClient } from '@notify/client';
import { freePort, sleep, waitFor } from '@notify/testing';
import { connectClients, deleteRunTopics, percentile, startServer, stopServer } from './support/harness';
import { databaseSize, databaseUrl, dropDatabase } from './support/database';
import { metricSum, serverCoresBetween, serverCpuSeconds, takeReading, usageBetween } from './support/process-readings';
import { saveResults } from './support/results';

const noLanes = process.argv.includes('--no-lanes');
const distributed = process.argv.includes('--distributed');
const storeOnMongo = process.argv.includes('--store=mongo');
const soak = process.argv.includes('--soak');
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const SOAK_RATE = Number(process.env.BENCH_SOAK_RATE ?? 500);
const SAMPLE_SECONDS = Number(process.env.BENCH_SAMPLE_SECONDS ?? 10);
/** Short windows, so that within the soak the sweeps delete as much as is written: the size must level off. */
const SOAK_RETENTION = {
  RETENTION_INTERVAL_MS: '10000',
  ROUTER_DEDUP_WINDOW_MS: '60000',
  RETENTION_DELIVERY_LOG_DAYS: String(60 / 86_400),
  RETENTION_INBOX_DAYS: String(60 / 86_400),
};
if (soak) Object.assign(process.env, SOAK_RETENTION);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 2000);
const RATES = (process.env.BENCH_RATES ?? '500,1000,2000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const FLOOD = Number(process.env.BENCH_FLOOD ?? 100_000);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const jwtSecret = 'bench-jwt-secret-0123456789abcdefghij';
const kafka = new Kafka({ clientId: 'bench-product', brokers, logLevel: logLevel.NOTHING });

/** A running product with its clients connected, its own topics, and a tap on its deliver.inapp. */
interface Deployment {
  prefix: string;
  /** A product team's plain kafkajs producer (one per deployment: kafkajs keeps asking after the topics it wrote to). */
  producer: Producer;
  productUrls: string[];
  /** Written → received, per notification, since the last reset. */
  latencies: number[];
  /** Written → on deliver.inapp (router and two Kafka hops), per notification, since the last reset. */
  routedAfter: number[];
  /** Where the product keeps its data (--store=mongo). */
  database?: string;
  stop(): Promise<void>;
}

async function deploy(): Promise<Deployment> {
  const prefix = `bench-e2e-${Date.now().toString(36)}`;
  const database = storeOnMongo ? databaseUrl(prefix) : undefined;
  const startProductProcess = async (script: string, env: Record<string, string> = {}): Promise<{ server: ChildProcess; url: string }> => {
    const port = await freePort();
    const server = await startServer(script, { ...env, PORT: String(port), BENCH_KAFKA_BROKERS: brokers.join(','), BENCH_TOPIC_PREFIX: prefix, BENCH_JWT_SECRET: jwtSecret, ...(database ? { BENCH_MONGO_URL: database } : {}) });
    return { server, url: `http://127.0.0.1:${port}` };
  };
  // Presence first, so the router's and gateway's views start from its state, as in a deployment.
  const product = distributed
    ? [await startProductProcess('service-server.ts', { BENCH_SERVICE: 'presence' }), ...(await Promise.all(['router', 'gateway', 'push'].map((name) => startProductProcess('service-server.ts', { BENCH_SERVICE: name }))))]
    : [await startProductProcess('product-server.ts')];
  // Where the clients connect: the embedded process, or the gateway.
  const gatewayUrl = distributed ? product[2]!.url : product[0]!.url;
  const latencies: number[] = [];
  const clients: NotifyClient[] = await connectClients(gatewayUrl, jwtSecret, CLIENTS, (n) => {
    const writtenAt = Number(n.content.data.writtenAt);
    if (writtenAt) latencies.push(Date.now() - writtenAt);
  });
  // A tap on deliver.inapp (its own consumer group) splits the time: event → routed, and routed → socket.
  const routedAfter: number[] = [];
  const tap: Consumer = kafka.consumer({ groupId: `${prefix}-tap`, maxWaitTimeInMs: 500 });
  await tap.connect();
  await tap.subscribe({ topic: `${prefix}.deliver.inapp`, fromBeginning: false });
  await tap.run({
    partitionsConsumedConcurrently: 8,
    eachMessage: async ({ message }) => {
      const writtenAt = Number((JSON.parse(message.value!.toString()) as { content: { data: { writtenAt?: number } } }).content.data.writtenAt);
      if (writtenAt) routedAfter.push(Date.now() - writtenAt);
    },
  });
  const producer = kafka.producer();
  await producer.connect();
  // The router must see the users online (presence.state) before events are routed to the socket first.
  await sleep(3000);
  return {
    prefix,
    producer,
    productUrls: product.map((p) => p.url),
    latencies,
    routedAfter,
    ...(database ? { database } : {}),
    async stop() {
      for (const client of clients) client.close();
      await Promise.all([tap.disconnect(), producer.disconnect()]);
      await Promise.all(product.map(({ server }) => stopServer(server)));
      await deleteRunTopics(brokers, prefix);
      if (database) await dropDatabase(database);
    },
  };
}

let sequence = 0;
const event = (userId: string, priority: 'transactional' | 'marketing') => {
  const n = ++sequence;
  return { key: userId, value: JSON.stringify({ version: 1, id: `e${n}`, type: priority === 'marketing' ? 'promo.sale' : 'chat.message', to: { userId }, priority, payload: { title: `message ${n}`, writtenAt: Date.now() }, createdAt: new Date().toISOString() }) };
};
const floodRouted = (metrics: string[]) => metricSum(metrics, 'notify_bus_consumed_total', { topic: 'notify.events.bulk' });
const randomUser = () => `user-${Math.floor(Math.random() * CLIENTS)}`;

/** Writes `total` transactional events to random connected users at `rate` a second, in ticks of 10 ms. */
async function writeTransactional(producer: Producer, prefix: string, rate: number, total: number, onWritten: (count: number) => void = () => {}): Promise<void> {
  const started = Date.now();
  for (let tick = 0, written = 0; written < total; tick++) {
    const due = Math.min(total, Math.round(((tick + 1) * rate) / 100));
    const batch = Array.from({ length: due - written }, () => event(randomUser(), 'transactional'));
    written = due;
    if (batch.length) await producer.send({ topic: `${prefix}.notify.events`, messages: batch });
    onWritten(written);
    const wait = started + (tick + 1) * 10 - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

/** `rate` transactional events a second for `seconds`, in ticks of 10 ms; what arrived, how fast, and what it cost. */
async function steady(deployment: Deployment, rate: number, label: string, seconds = SECONDS) {
  const { prefix, producer, productUrls, latencies, routedAfter } = deployment;
  latencies.length = 0;
  routedAfter.length = 0;
  const total = rate * seconds;
  const before = await takeReading(productUrls);
  const serversBefore = serverCpuSeconds();
  const startedAt = Date.now();
  await writeTransactional(producer, prefix, rate, total);
  await waitFor(`${total} to arrive`, () => latencies.length >= total, { timeoutMs: 180_000, intervalMs: 100 }).catch(() => undefined);
  const after = await takeReading(productUrls);
  const servers = serverCoresBetween(serversBefore, serverCpuSeconds(), (Date.now() - startedAt) / 1000);
  const sorted = [...latencies].sort((a, b) => a - b);
  const routed = [...routedAfter].sort((a, b) => a - b);
  const result = {
    label,
    rate,
    sent: total,
    received: latencies.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1),
    // The first half of the path: event written → its notification on deliver.inapp (router and two Kafka hops).
    routed: { p50: percentile(routed, 50), p95: percentile(routed, 95), p99: percentile(routed, 99) },
    ...usageBetween(before, after),
    /** Cores each local server kept busy over the phase. */
    servers,
    // Marketing events the router's bulk lane finished during the phase (the flood's progress).
    marketingRouted: floodRouted(after.metrics) - floodRouted(before.metrics),
  };
  const { cores, eventLoopDelayMs, gc } = result;
  console.log(`${label}: ${rate}/s for ${seconds} s, received ${result.received}/${total}: p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, max ${result.max} ms (routed by: p50 ${result.routed.p50} ms, p99 ${result.routed.p99} ms)`);
  console.log(`  cores busy: machine ${cores.machine}, product ${cores.product}${distributed ? ` (presence, router, gateway, push: ${cores.byProcess.join(', ')})` : ''}, clients ${cores.clients}, broker and rest ${cores.rest}${result.servers ? ` (Kafka ${result.servers.kafka}, FerretDB ${result.servers.ferretdb}, PostgreSQL ${result.servers.postgres})` : ''}; product event-loop delay p99 ${eventLoopDelayMs.p99} ms, max ${eventLoopDelayMs.max} ms; GC ${gc.pausedMs} ms, ${gc.pausesOver10Ms} pauses over 10 ms, heap ${result.heapUsedMiB} MiB; clients' event-loop delay p99 ${result.clientsEventLoopDelayMs.p99} ms, max ${result.clientsEventLoopDelayMs.max} ms; marketing routed ${result.marketingRouted}`);
  return result;
}

/** A fresh product, warmed up at `rate`, for `measure`; stopped (and its topics deleted) afterwards. */
async function withFreshProduct<T>(rate: number, measure: (deployment: Deployment) => Promise<T>): Promise<T> {
  const deployment = await deploy();
  try {
    if (WARMUP_SECONDS > 0) await steady(deployment, rate, 'warm-up (not counted)', WARMUP_SECONDS);
    return await measure(deployment);
  } finally {
    await deployment.stop();
  }
}

/**
 * The soak: `SOAK_RATE` transactional events a second for `SOAK_SECONDS`, one sample every
 * `SAMPLE_SECONDS`: the latency of what arrived in that window and the database's size at its end.
 */
async function soakRun(deployment: Deployment) {
  const { prefix, producer, latencies, database } = deployment;
  const samples: Array<Record<string, number | null>> = [];
  const started = Date.now();
  const total = SOAK_RATE * SOAK_SECONDS;
  let written = 0;
  latencies.length = 0;
  // Sampled beside the producer, so reading the database's size never holds up the writing.
  const sample = async () => {
    const window = latencies.splice(0).sort((a, b) => a - b);
    const size = database ? await databaseSize(database).catch(() => undefined) : undefined;
    const taken = { second: Math.round((Date.now() - started) / 1000), written, received: window.length, p50: percentile(window, 50), p99: percentile(window, 99), max: window.at(-1) ?? null, ...(size ? { databaseMiB: size.mebibytes, documents: size.documents, ...(size.deadRows === undefined ? {} : { deadRows: size.deadRows }) } : {}) };
    samples.push(taken);
    console.log(`soak ${taken.second} s: ${taken.received} received, p50 ${taken.p50} ms, p99 ${taken.p99} ms${size ? `; database ${size.mebibytes} MiB, ${size.documents.toLocaleString('en-US')} documents${size.deadRows === undefined ? '' : ` (${size.deadRows.toLocaleString('en-US')} dead rows)`}` : ''}`);
  };
  let sampling = Promise.resolve();
  const sampler = setInterval(() => (sampling = sampling.then(sample)), SAMPLE_SECONDS * 1000);
  await writeTransactional(producer, prefix, SOAK_RATE, total, (count) => (written = count));
  clearInterval(sampler);
  await sampling;
  await sleep(2000); // the last events' way to the sockets
  await sample();
  return samples;
}

const variant = `${noLanes ? '-no-lanes' : ''}${distributed ? '-distributed' : ''}${storeOnMongo ? '-mongo' : ''}`;
const store = storeOnMongo ? 'FerretDB 1.24 on PostgreSQL 15' : 'in memory (lab figure)';
if (soak) {
  // One file per rate: a rate the machine keeps up with and one it does not are both worth keeping.
  await saveResults(`soak${variant}-${SOAK_RATE}`, {
    benchmark: 'soak: end-to-end latency and database size over time, retention on',
    layout: distributed ? 'distributed' : 'embedded',
    store,
    clients: CLIENTS,
    rate: SOAK_RATE,
    seconds: SOAK_SECONDS,
    retention: SOAK_RETENTION,
    samples: await withFreshProduct(SOAK_RATE, (deployment) => soakRun(deployment)),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    takenAt: new Date().toISOString(),
  });
  process.exit(0);
}

const [firstRate] = RATES as [number, ...number[]];
const results = [];
// Without lanes only the flood differs; the steady rates would repeat the lanes run's.
if (!noLanes) for (const rate of RATES) results.push(await withFreshProduct(rate, (deployment) => steady(deployment, rate, 'steady')));

// The flood: marketing events to the bulk intake lane (or, without lanes, into the same topic), right
// after a steady run at the same rate on the same product, so the two differ in the flood alone.
const floodTopic = (prefix: string) => (noLanes ? `${prefix}.notify.events` : `${prefix}.notify.events.bulk`);
// BENCH_FLOOD=0 leaves the flood out (the steady rates only).
const { floodRuns, floodRoutedInSeconds } = FLOOD === 0 ? { floodRuns: [], floodRoutedInSeconds: null } : await withFreshProduct(firstRate, async (deployment) => {
  const before = await steady(deployment, firstRate, 'steady, before the flood');
  for (let i = 0; i < FLOOD; i += 2000) await deployment.producer.send({ topic: floodTopic(deployment.prefix), messages: Array.from({ length: Math.min(2000, FLOOD - i) }, () => event(randomUser(), 'marketing')) });
  const floodWrittenAt = Date.now();
  console.log(`${FLOOD} marketing events written to ${noLanes ? 'the same intake topic' : 'the bulk intake lane'}`);
  const during = await steady(deployment, firstRate, 'under the marketing flood');
  // How long the flood took in all: the lane yields to urgent events, it must not stall behind them.
  const drained = await waitFor('the flood to be routed', async () => floodRouted((await takeReading(deployment.productUrls)).metrics) >= FLOOD, { timeoutMs: 300_000, intervalMs: 250 }).then(
    () => (Date.now() - floodWrittenAt) / 1000,
    () => null,
  );
  console.log(drained === null ? 'the flood was not routed within 5 minutes' : `the whole flood was routed ${drained.toFixed(1)} s after it was written`);
  return { floodRuns: [before, during], floodRoutedInSeconds: drained };
});
results.push(...floodRuns);

await saveResults(`end-to-end-latency${variant}`, {
  benchmark: 'end-to-end latency, event written to Kafka → socket.io client',
  lanes: !noLanes,
  layout: distributed ? 'distributed' : 'embedded',
  store,
  clients: CLIENTS,
  flood: FLOOD,
  floodRoutedInSeconds,
  results,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  takenAt: new Date().toISOString(),
});
process.exit(0);
