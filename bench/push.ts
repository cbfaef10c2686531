/**
 * Push: pushes per second one push instance sends, and the CPU it spends on each, through the real
 * node-apn and firebase-admin to the local APNs and FCM emulators. The push service, the emulators
 * and this benchmark (producer and status counter) each run in a process of their own, so the push
 * service's CPU is its own.
 *   npm run bench:push                   Kafka for the lanes (needs `npm run infra:up`), store in memory (a lab figure)
 *   npm run bench:push -- --store=mongo  devices, deduplication and badges on the MongoDB-wire server too (the real figure)
 * BENCH_PUSHES (default 20,000) notifications spread over BENCH_USERS users (default one per push),
 * each user with BENCH_DEVICES_PER_USER devices (default 1), alternately iOS and Android, written to
 * deliver.push.transactional (BENCH_LANE=bulk for the bulk lane, rate limit off) after a warm-up of
 * BENCH_WARMUP pushes (default 2,000); then BENCH_PACED_RATE notifications a second (default 1,000) for
 * BENCH_PACED_SECONDS (5): how long after its notification was written each push was sent (the
 * status's time; one clock). PUSH_*, APNS_* and FCM_* settings pass through to the push service;
 * BENCH_PROFILE_DIR=<dir> writes the push service's CPU profile there; BENCH_SENDERS=none answers every
 * push "sent" without a network (the pipeline's own cost: Kafka in and out, devices, marks; saves nothing).
 * Prints the numbers and writes bench/results/push-<lane>[-mongo][-<devices>dev][-<thousands>k].json
 * (the last for runs of 100,000 pushes or more: a topic's audience) and the chart.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, waitFor } from '@notify/testing';
import { deleteRunTopics, startServer, stopServer } from './support/harness';
import type { EmulatorsFile } from './support/push-emulators-server';
import { metricSum, serverCoresBetween, serverCpuSeconds } from './support/process-readings';
import { saveResults } from './support/results';

const withMongo = process.argv.includes('--store=mongo');
const PUSHES = Number(process.env.BENCH_PUSHES ?? 20_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2_000);
const USERS = Math.min(PUSHES, Number(process.env.BENCH_USERS ?? PUSHES));
const DEVICES_PER_USER = Number(process.env.BENCH_DEVICES_PER_USER ?? 1);
const lane = process.env.BENCH_LANE === 'bulk' ? 'bulk' : 'transactional';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-push-${Date.now().toString(36)}`;
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const emulatorsFile = join(await mkdtemp(join(tmpdir(), 'bench-push-')), 'emulators.json');

const emulatorServer = await startServer('push-emulators-server.ts', { BENCH_APNS_KEY: p8, BENCH_EMULATORS_FILE: emulatorsFile });
const emulators = JSON.parse(await readFile(emulatorsFile, 'utf8')) as EmulatorsFile;
const pushPort = await freePort();
const pushUrl = `http://127.0.0.1:${pushPort}`;
// A push service that fails to start must not leave the emulators running.
const pushServer = await startServer('push-service-server.ts', {
  BENCH_APNS_KEY: p8,
  BENCH_EMULATORS_FILE: emulatorsFile,
  BENCH_USERS: String(USERS),
  BENCH_DEVICES_PER_USER: String(DEVICES_PER_USER),
  BENCH_KAFKA_BROKERS: brokers.join(','),
  BENCH_TOPIC_PREFIX: run,
  BENCH_MONGO_URL: withMongo ? `${process.env.MONGO_URL?.replace(/\/[^/]*$/, '') ?? 'mongodb://127.0.0.1:27017'}/${run}` : '',
  PUSH_BULK_CONCURRENCY: process.env.PUSH_BULK_CONCURRENCY ?? '8',
  BENCH_SENDERS: process.env.BENCH_SENDERS ?? '',
  PORT: String(pushPort),
}, process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []).catch(async (err: unknown) => {
  await stopServer(emulatorServer);
  throw err;
});

const bus = new KafkaBus({ brokers, clientId: 'bench-push', service: 'bench', topicPrefix: run, logger: silentLogger(), metrics: createMetricsRegistry('bench', { processMetrics: false }), provision: [] });
await bus.start();
const notification = (userId: string, n: number): Notification => ({ version: 1, notificationId: `b${n}:${userId}`, eventId: `b${n}`, userId, type: 'bench.push', priority: lane === 'bulk' ? 'marketing' : 'transactional', content: { title: 'Your order shipped', body: `Order ${n} is on its way`, deepLink: `shop://orders/${n}`, data: {} }, createdAt: new Date().toISOString() });
// Every push ends in one status per device: count those, and keep any failure reasons.
const outcomes = new Map<string, number>();
let finished = 0;
// The paced phase: when each notification was written, and how long after it its pushes were sent.
const pacedWrites = new Map<string, number>();
const pacedLatencies: number[] = [];
await bus.subscribeBatch(topics.deliveryStatus, { groupId: 'bench-statuses', partitionsConcurrently: 8, maxBatchSize: 1000 }, async (batch) => {
  for (const { value } of batch) {
    if (value.service !== 'push') continue;
    finished++;
    const writtenAt = pacedWrites.get(value.notificationId ?? '');
    if (writtenAt !== undefined && value.status === 'sent') pacedLatencies.push(Date.parse(value.at) - writtenAt);
    const key = value.status === 'sent' ? 'sent' : `${value.status}: ${value.reason ?? ''}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
});

/** Writes `count` notifications from the `first`-th on, and waits until every device has its status. */
async function pushAndWait(first: number, count: number): Promise<void> {
  const expected = finished + count * DEVICES_PER_USER;
  for (let i = first; i < first + count; i += 1000) {
    const block = Array.from({ length: Math.min(1000, first + count - i) }, (_, j) => notification(`user-${(i + j) % USERS}`, i + j));
    await bus.publish(lane === 'bulk' ? topics.deliverPushBulk : topics.deliverPushTransactional, block.map((value) => ({ value })));
  }
  await waitFor(`a status for each of ${count} pushes`, () => finished >= expected, { timeoutMs: 600_000, intervalMs: 20 });
}
/** The push service's CPU seconds so far, user and system, from its /metrics. */
const cpuSeconds = async () => Number(/^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(await (await fetch(`${pushUrl}/metrics`)).text())?.[1]);

// The warm-up fills the device cache, opens the provider connections and lets V8 compile the hot path.
await pushAndWait(PUSHES, WARMUP);
outcomes.clear();
const countsBefore = (await (await fetch(emulators.countsUrl)).json()) as { apns: number; fcm: number };
// The machine may be shared: its load when the run starts and ends says how far to trust the figure.
const loadBefore = loadavg()[0]!;
const cpuBefore = await cpuSeconds();
const serversBefore = serverCpuSeconds();
const started = performance.now();
await pushAndWait(0, PUSHES);
const seconds = (performance.now() - started) / 1000;
const cpu = (await cpuSeconds()) - cpuBefore;
// What the local servers spent meanwhile: the database's share is what the real store costs besides the push service's own CPU.
const servers = serverCoresBetween(serversBefore, serverCpuSeconds(), seconds);
const counts = (await (await fetch(emulators.countsUrl)).json()) as { apns: number; fcm: number };
const measuredOutcomes = Object.fromEntries(outcomes);
const sends = PUSHES * DEVICES_PER_USER;
const perSecond = Math.round(sends / seconds);
const cpuMsPerPush = Number(((cpu * 1000) / sends).toFixed(3));

const metrics = await (await fetch(`${pushUrl}/metrics`)).text();
const fcmCalls = metricSum([metrics], `notify_push_${lane}_batch_size_count`);
const fcmMessages = metricSum([metrics], `notify_push_${lane}_batch_size_sum`);
const fcmPerCall = fcmCalls > 0 ? Number((fcmMessages / fcmCalls).toFixed(1)) : 0;

// Then at a steady rate well under the ceiling: each push should go out as it arrives, not wait for a batch to fill.
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 1000);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 5);
const pacedFirst = PUSHES + WARMUP;
const pacedExpected = finished + PACED_RATE * PACED_SECONDS * DEVICES_PER_USER;
for (let tick = 0; tick < PACED_SECONDS * 10; tick++) {
  const tickStarted = Date.now();
  const block = Array.from({ length: PACED_RATE / 10 }, (_, j) => notification(`user-${(tick * (PACED_RATE / 10) + j) % USERS}`, pacedFirst + tick * (PACED_RATE / 10) + j));
  for (const n of block) pacedWrites.set(n.notificationId, tickStarted);
  await bus.publish(lane === 'bulk' ? topics.deliverPushBulk : topics.deliverPushTransactional, block.map((value) => ({ value })));
  await new Promise((r) => setTimeout(r, Math.max(0, tickStarted + 100 - Date.now())));
}
await waitFor('a status for each paced push', () => finished >= pacedExpected, { timeoutMs: 120_000, intervalMs: 20 });
const sortedLatencies = [...pacedLatencies].sort((a, b) => a - b);
const percentile = (p: number) => sortedLatencies[Math.min(sortedLatencies.length - 1, Math.floor((p / 100) * sortedLatencies.length))] ?? NaN;
const paced = { rate: PACED_RATE, seconds: PACED_SECONDS, sent: sortedLatencies.length, p50Ms: percentile(50), p99Ms: percentile(99), maxMs: sortedLatencies.at(-1) ?? NaN };
console.log(`paced at ${PACED_RATE}/s for ${PACED_SECONDS} s: written → sent p50 ${paced.p50Ms} ms, p99 ${paced.p99Ms} ms, max ${paced.maxMs} ms (${paced.sent} pushes)`);
const store = withMongo ? 'Kafka + FerretDB' : 'Kafka, store in memory: a lab figure';
console.log('outcomes', measuredOutcomes, `; FCM messages per call: ${fcmPerCall}`, servers ? `; cores used by Kafka ${servers.kafka}, FerretDB ${servers.ferretdb}, PostgreSQL ${servers.postgres}` : '');
console.log(
  `${lane} lane (${store}): ${sends} pushes to ${USERS} users × ${DEVICES_PER_USER} devices (${counts.apns - countsBefore.apns} APNs, ${counts.fcm - countsBefore.fcm} FCM) in ${seconds.toFixed(1)} s: ` +
    `${perSecond} pushes/s on one instance, ${cpuMsPerPush} ms of push-service CPU per push (${(cpu / seconds).toFixed(2)} cores; load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
);

const name = `push-${lane}${withMongo ? '-mongo' : ''}${DEVICES_PER_USER > 1 ? `-${DEVICES_PER_USER}dev` : ''}${PUSHES >= 100_000 ? `-${Math.round(PUSHES / 1000)}k` : ''}`;
if (process.env.BENCH_SENDERS !== 'none') await saveResults(name, {
  benchmark: 'push',
  lane,
  store: withMongo ? 'mongo' : 'memory',
  pushes: sends,
  users: USERS,
  devicesPerUser: DEVICES_PER_USER,
  apns: counts.apns - countsBefore.apns,
  fcm: counts.fcm - countsBefore.fcm,
  seconds: Number(seconds.toFixed(2)),
  pushesPerSecond: perSecond,
  cpuMsPerPush,
  pushServiceCores: Number((cpu / seconds).toFixed(2)),
  serverCores: servers,
  outcomes: measuredOutcomes,
  fcmMessagesPerCall: fcmPerCall,
  paced,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: { start: Number(loadBefore.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) } },
  takenAt: new Date().toISOString(),
});
await bus.stop();
await stopServer(pushServer);
await stopServer(emulatorServer);
await deleteRunTopics(brokers, run);
process.exit(0);
