/**
 * Router throughput: events/s one router instance routes from notify.events to deliver.inapp.
 *   npm run bench:router            in-process bus and store: the cost of routing itself
 *   npm run bench:router -- --real  Kafka and the MongoDB-wire server from `npm run infra:up`
 * Prints the numbers and writes bench/results/router-throughput[-real].json and the chart.
 */
import { cpus } from 'node:os';
import { KafkaBus, type Bus } from '@notify/bus';
import { topics, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createRouterModule } from '@notify/router';
import { startProcess } from '@notify/runtime';
import { deleteRunTopics } from './support/harness';
import { serverCoresBetween, serverCpuSeconds } from './support/process-readings';
import { saveResults } from './support/results';

const real = process.argv.includes('--real');
const EVENTS = Number(process.env.BENCH_EVENTS ?? (real ? 20_000 : 100_000));
const USERS = 5_000;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-${Date.now().toString(36)}`;

const router = await startProcess({
  service: 'router',
  logger: silentLogger(),
  config: {
    logLevel: 'silent',
    host: '127.0.0.1',
    port: 0,
    shutdownTimeoutMs: 10_000,
    ...(real ? { kafkaBrokers: brokers, topicPrefix: run, mongoUrl: `${process.env.MONGO_URL?.replace(/\/[^/]*$/, '') ?? 'mongodb://127.0.0.1:27017'}/${run}` } : {}),
  },
  modules: (deps) => [
    createRouterModule(deps, {
      maxBatchEvents: 500,
      rulesRefreshMs: 60_000,
      digestTickMs: 1000,
      intakeTokens: [{ name: 'bench', role: 'producer', secret: 'bench-producer-secret-000' }],
      adminTokens: [{ name: 'ops', role: 'admin', secret: 'bench-admin-secret-000000' }],
    }),
  ],
});

// The producer and the observer are separate clients, as product services and gateways would be.
let producer: Bus = router.deps.bus;
let observer: Bus = router.deps.bus;
if (real) {
  const client = (name: string) => new KafkaBus({ brokers, clientId: name, service: name, topicPrefix: run, logger: silentLogger(), metrics: createMetricsRegistry(name, { processMetrics: false }), provision: [] });
  producer = client('bench-producer');
  observer = client('bench-observer');
  await producer.start();
  await observer.start();
}

let routed = 0;
let done!: () => void;
const allRouted = new Promise<void>((resolve) => (done = resolve));
await observer.subscribe(topics.deliverInapp, { groupId: 'bench-observer', partitionsConcurrently: 8 }, async () => {
  if (++routed === EVENTS) done();
});

const createdAt = new Date().toISOString();
const event = (i: number): NotifyEvent => ({ version: 1, id: `${run}-${i}`, type: 'order.shipped', to: { userId: `user-${i % USERS}` }, priority: 'transactional', payload: { title: 'Your order shipped', order: i }, createdAt });

const serversBefore = serverCpuSeconds();
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < EVENTS; i += 1000) {
  await producer.publish(topics.notifyEvents, Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({ value: event(i + j) })));
}
const producedMs = performance.now() - started;
await allRouted;
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
// Where the time went: this process (router, and the producer and observer clients), and the servers.
const cores = { benchmarkProcess: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100) / 100, ...serverCoresBetween(serversBefore, serverCpuSeconds(), elapsedMs / 1000) };

const result = {
  benchmark: real ? 'router-throughput-real' : 'router-throughput',
  at: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  transport: real ? 'Kafka 3.9.1 (local, single node) + FerretDB 1.24 on PostgreSQL 15' : 'in-process bus + in-memory store (lab figure)',
  events: EVENTS,
  users: USERS,
  producedMs: Math.round(producedMs),
  elapsedMs: Math.round(elapsedMs),
  eventsPerSecond: Math.round((EVENTS / elapsedMs) * 1000),
  /** Cores kept busy while routing: the benchmark's process (router, producer, observer) and each server. */
  cores,
  /** Store writes per event, each a part of one batch insert: the event's claim, and its two statuses on the trail. */
  perEventStoreWrites: 3,
  perEventStoreReads: 0,
};
console.log(`router throughput (${result.transport}): ${result.eventsPerSecond.toLocaleString('en-US')} events/s (${EVENTS} events in ${result.elapsedMs} ms, one router instance)`);
console.log(`  cores busy: ${Object.entries(cores).map(([what, n]) => `${what} ${n}`).join(', ')}`);
await saveResults(result.benchmark, result);
if (observer !== router.deps.bus) await observer.stop();
if (producer !== router.deps.bus) await producer.stop();
await router.stop('benchmark done');
if (real) await deleteRunTopics(brokers, run);
process.exit(0);
