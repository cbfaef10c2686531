/**
 * Transactional latency through the whole product: a product event written to `notify.events`
 * with a plain kafkajs producer → router → deliver.inapp → gateway → the user's socket.io client.
 *   npm run bench:latency                 steady rates, then the same under a marketing flood
 *   npm run bench:latency -- --no-lanes   marketing written to the same intake topic (one FIFO)
 *   npm run bench:latency -- --distributed   router, gateway, presence and push each its own process
 * Needs `npm run infra:up`. The product runs in one process (every module, Kafka, store in memory),
 * or with --distributed as four (each on Kafka, each with its store in memory);
 * BENCH_CLIENTS (default 2,000) users are connected through the client SDK. After BENCH_WARMUP_SECONDS
 * (default 10) at the first rate, not counted (connections, JIT and consumer fetch sessions settle),
 * transactional events go to random connected users at the first of BENCH_RATES (default
 * 500,1000,2000,5000 events/s, BENCH_SECONDS each); then BENCH_FLOOD (default 100,000) marketing events
 * are written and the first rate is measured again while they are routed; once the flood is through,
 * the other rates (with lanes only).
 * Each phase also reads where the CPU went (product, clients, broker) and the product's event-loop delay.
 * Prints the numbers and writes bench/results/end-to-end-latency[-no-lanes][-distributed].json and the chart.
 */
import { cpus } from 'node:os';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { freePort, waitFor } from '@notify/testing';
import type { ChildProcess } from 'node:child_process';
import { connectClients, deleteRunTopics, percentile, startServer, stopServer } from './support/harness';
import { metricSum, takeReading, usageBetween } from './support/process-readings';
import { saveResults } from './support/results';

const noLanes = process.argv.includes('--no-lanes');
const distributed = process.argv.includes('--distributed');
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 2000);
const RATES = (process.env.BENCH_RATES ?? '500,1000,2000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const FLOOD = Number(process.env.BENCH_FLOOD ?? 100_000);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const prefix = `bench-e2e-${Date.now().toString(36)}`;
const jwtSecret = 'bench-jwt-secret-0123456789abcdefghij';

/** Starts one of the product's processes; its base URL serves /metrics. */
async function startProductProcess(script: string, env: Record<string, string> = {}): Promise<{ server: ChildProcess; url: string }> {
  const port = await freePort();
  const server = await startServer(script, { ...env, PORT: String(port), BENCH_KAFKA_BROKERS: brokers.join(','), BENCH_TOPIC_PREFIX: prefix, BENCH_JWT_SECRET: jwtSecret });
  return { server, url: `http://127.0.0.1:${port}` };
}
// Presence first, so the router's and gateway's views start from its state, as in a deployment.
const product = distributed
  ? [await startProductProcess('service-server.ts', { BENCH_SERVICE: 'presence' }), ...(await Promise.all(['router', 'gateway', 'push'].map((name) => startProductProcess('service-server.ts', { BENCH_SERVICE: name }))))]
  : [await startProductProcess('product-server.ts')];
const productUrls = product.map((p) => p.url);
// Where the clients connect: the embedded process, or the gateway.
const url = distributed ? product[2]!.url : product[0]!.url;

const latencies: number[] = [];
const clients = await connectClients(url, jwtSecret, CLIENTS, (n) => {
  const writtenAt = Number(n.content.data.writtenAt);
  if (writtenAt) latencies.push(Date.now() - writtenAt);
});
// The router must see them online (presence.state) before events are routed to the socket first.
await new Promise((r) => setTimeout(r, 3000));

const kafka = new Kafka({ clientId: 'bench-product', brokers, logLevel: logLevel.NOTHING });
const producer: Producer = kafka.producer();
await producer.connect();
// A tap on deliver.inapp (its own consumer group) splits the time: event → routed, and routed → socket.
const routedAfter: number[] = [];
const tap = kafka.consumer({ groupId: `${prefix}-tap`, maxWaitTimeInMs: 500 });
await tap.connect();
await tap.subscribe({ topic: `${prefix}.deliver.inapp`, fromBeginning: false });
await tap.run({
  partitionsConsumedConcurrently: 8,
  eachMessage: async ({ message }) => {
    const writtenAt = Number((JSON.parse(message.value!.toString()) as { content: { data: { writtenAt?: number } } }).content.data.writtenAt);
    if (writtenAt) routedAfter.push(Date.now() - writtenAt);
  },
});
let sequence = 0;
const event = (userId: string, priority: 'transactional' | 'marketing') => {
  const n = ++sequence;
  return { key: userId, value: JSON.stringify({ version: 1, id: `e${n}`, type: priority === 'marketing' ? 'promo.sale' : 'chat.message', to: { userId }, priority, payload: { title: `message ${n}`, writtenAt: Date.now() }, createdAt: new Date().toISOString() }) };
};
const floodRouted = (metrics: string[]) => metricSum(metrics, 'notify_bus_consumed_total', { topic: 'notify.events.bulk' });
const randomUser = () => `user-${Math.floor(Math.random() * CLIENTS)}`;

async function steady(rate: number, label: string, seconds = SECONDS) {
  latencies.length = 0;
  routedAfter.length = 0;
  const total = rate * seconds;
  const before = await takeReading(productUrls);
  const started = Date.now();
  for (let tick = 0, written = 0; written < total; tick++) {
    const due = Math.min(total, Math.round(((tick + 1) * rate) / 100));
    const batch = Array.from({ length: due - written }, () => event(randomUser(), 'transactional'));
    written = due;
    if (batch.length) await producer.send({ topic: `${prefix}.notify.events`, messages: batch });
    const wait = started + (tick + 1) * 10 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await waitFor(`${total} to arrive`, () => latencies.length >= total, { timeoutMs: 180_000, intervalMs: 100 }).catch(() => undefined);
  const after = await takeReading(productUrls);
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
    // Marketing events the router's bulk lane finished during the phase (the flood's progress).
    marketingRouted: floodRouted(after.metrics) - floodRouted(before.metrics),
  };
  const { cores, eventLoopDelayMs, gc } = result;
  console.log(`${label}: ${rate}/s for ${seconds} s, received ${result.received}/${total}: p50 ${result.p50} ms, p95 ${result.p95} ms, p99 ${result.p99} ms, max ${result.max} ms (routed by: p50 ${result.routed.p50} ms, p99 ${result.routed.p99} ms)`);
  console.log(`  cores busy: machine ${cores.machine}, product ${cores.product}, clients ${cores.clients}, broker and rest ${cores.rest}; product event-loop delay p99 ${eventLoopDelayMs.p99} ms, max ${eventLoopDelayMs.max} ms; GC ${gc.pausedMs} ms, ${gc.pausesOver10Ms} pauses over 10 ms, heap ${result.heapUsedMiB} MiB; marketing routed ${result.marketingRouted}`);
  return result;
}

const [firstRate, ...higherRates] = RATES as [number, ...number[]];
if (WARMUP_SECONDS > 0) await steady(firstRate, 'warm-up (not counted)', WARMUP_SECONDS);
const results = [await steady(firstRate, 'steady')];

// The flood: marketing events to the bulk intake lane (or, without lanes, into the same topic), right
// after the steady run at the same rate, so the two differ in the flood alone.
const floodTopic = noLanes ? `${prefix}.notify.events` : `${prefix}.notify.events.bulk`;
for (let i = 0; i < FLOOD; i += 2000) await producer.send({ topic: floodTopic, messages: Array.from({ length: Math.min(2000, FLOOD - i) }, () => event(randomUser(), 'marketing')) });
const floodWrittenAt = Date.now();
console.log(`${FLOOD} marketing events written to ${noLanes ? 'the same intake topic' : 'the bulk intake lane'}`);
results.push(await steady(firstRate, 'under the marketing flood'));
// How long the flood took in all: the lane yields to urgent events, it must not stall behind them.
const floodDrained = await waitFor('the flood to be routed', async () => floodRouted((await takeReading(productUrls)).metrics) >= FLOOD, { timeoutMs: 300_000, intervalMs: 250 }).then(
  () => (Date.now() - floodWrittenAt) / 1000,
  () => null,
);
console.log(floodDrained === null ? 'the flood was not routed within 5 minutes' : `the whole flood was routed ${floodDrained.toFixed(1)} s after it was written`);
// The higher rates once the flood is through; without lanes they would only repeat the lanes run.
if (!noLanes) for (const rate of higherRates) results.push(await steady(rate, 'steady'));

await saveResults(`end-to-end-latency${noLanes ? '-no-lanes' : ''}${distributed ? '-distributed' : ''}`, { benchmark: 'end-to-end latency, event written to Kafka → socket.io client', lanes: !noLanes, layout: distributed ? 'distributed' : 'embedded', clients: CLIENTS, flood: FLOOD, floodRoutedInSeconds: floodDrained, results, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, takenAt: new Date().toISOString() });
for (const c of clients) c.close();
await Promise.all([producer.disconnect(), tap.disconnect()]);
await Promise.all(product.map(({ server }) => stopServer(server)));
await deleteRunTopics(brokers, prefix);
process.exit(0);
