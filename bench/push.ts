/**
 * Push: pushes per second one push instance sends, through the real node-apn and firebase-admin to
 * the local APNs and FCM emulators.
 *   npm run bench:push                   Kafka for the lanes (needs `npm run infra:up`), store in memory
 *   npm run bench:push -- --store=mongo  devices, deduplication and badges on the MongoDB-wire server too
 * BENCH_PUSHES (default 20,000; 5,000 with --store=mongo) notifications spread over BENCH_USERS users
 * (default one per push), each user with one device, half on iOS and half on Android, written to
 * deliver.push.transactional (BENCH_LANE=bulk for the bulk lane, rate limit off).
 * Prints the numbers and writes bench/results/push-<lane>[-mongo].json and the chart.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { KafkaBus } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { ApnsEmulator, FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator } from '@notify/push-emulators/firebase-harness';
import { createPushModule } from '@notify/push';
import { ApnsSender } from '../services/push/src/senders/apns-sender';
import { FcmSender } from '../services/push/src/senders/fcm-sender';
import { startProcess } from '@notify/runtime';
import type { MongoStore } from '@notify/store';
import { waitFor } from '@notify/testing';
import { deleteRunTopics } from './support/harness';
import { saveResults } from './support/results';

const withMongo = process.argv.includes('--store=mongo');
const PUSHES = Number(process.env.BENCH_PUSHES ?? (withMongo ? 5_000 : 20_000));
const USERS = Math.min(PUSHES, Number(process.env.BENCH_USERS ?? PUSHES));
const lane = process.env.BENCH_LANE === 'bulk' ? 'bulk' : 'transactional';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-push-${Date.now().toString(36)}`;
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const auth = { key: p8, keyId: 'BENCHKEY01', teamId: 'BENCHTEAM1' };

const apns = await new ApnsEmulator({ auth, recordLimit: 1000 }).start();
const fcm = await new FcmEmulator({ projectId: 'bench', recordLimit: 1000 }).start();
const firebase = connectFirebaseToEmulator(fcm, { projectId: 'bench' });
const push = await startProcess({
  service: 'push',
  logger: silentLogger(),
  config: {
    logLevel: 'silent',
    host: '127.0.0.1',
    port: 0,
    shutdownTimeoutMs: 10_000,
    kafkaBrokers: brokers,
    topicPrefix: run,
    ...(withMongo ? { mongoUrl: `${process.env.MONGO_URL?.replace(/\/[^/]*$/, '') ?? 'mongodb://127.0.0.1:27017'}/${run}` } : {}),
  },
  modules: (deps) => [
    createPushModule(deps, {
      tokens: [],
      senders: { apns: new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca }), fcm: new FcmSender(firebase.messaging) },
      transactionalConcurrency: 8,
      bulkConcurrency: 8,
      bulkRatePerSecond: 1_000_000,
      retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000 },
    }),
  ],
});
const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
const device = (userId: string, i: number) => {
  const ios = i % 2 === 0;
  return { userId, platform: ios ? ('ios' as const) : ('android' as const), appId: 'com.example.bench', environment: 'sandbox' as const, token: ios ? i.toString(16).padStart(64, '0') : `fcm-bench-${i}-0123456789` };
};
if (push.deps.store.kind === 'mongo') {
  // Seeded in bulk (setting up is not what is measured): one registration at a time scans the collection on FerretDB.
  const now = new Date();
  const collection = (push.deps.store as MongoStore).connection.collection('devices');
  for (let i = 0; i < USERS; i += 1000) await collection.insertMany(users.slice(i, i + 1000).map((u, j) => ({ ...device(u, i + j), active: true, createdAt: now, updatedAt: now })));
} else {
  for (const [i, userId] of users.entries()) await push.deps.store.devices.register(device(userId, i));
}

const producer = new KafkaBus({ brokers, clientId: 'bench-producer', service: 'bench', topicPrefix: run, logger: silentLogger(), metrics: createMetricsRegistry('bench', { processMetrics: false }), provision: [] });
await producer.start();
const notification = (userId: string, n: number): Notification => ({ version: 1, notificationId: `b${n}:${userId}`, eventId: `b${n}`, userId, type: 'bench.push', priority: lane === 'bulk' ? 'marketing' : 'transactional', content: { title: 'Your order shipped', body: `Order ${n} is on its way`, deepLink: `shop://orders/${n}`, data: {} }, createdAt: new Date().toISOString() });
// Every push ends in one status per device: count those, and keep any failure reasons.
const outcomes = new Map<string, number>();
let finished = 0;
await push.deps.bus.subscribe(topics.deliveryStatus, { groupId: 'bench-statuses', partitionsConcurrently: 8 }, async ({ value }) => {
  if (value.service !== 'push') return;
  finished++;
  const key = value.status === 'sent' ? 'sent' : `${value.status}: ${value.reason ?? ''}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
});
// The machine may be shared: its load when the run starts and ends says how far to trust the figure.
const loadBefore = loadavg()[0]!;
const started = performance.now();
for (let i = 0; i < PUSHES; i += 1000) {
  const block = Array.from({ length: Math.min(1000, PUSHES - i) }, (_, j) => notification(users[(i + j) % USERS]!, i + j));
  await producer.publish(lane === 'bulk' ? topics.deliverPushBulk : topics.deliverPushTransactional, block.map((value) => ({ value })));
}
await waitFor(`an outcome for all ${PUSHES} pushes`, () => finished >= PUSHES, { timeoutMs: 600_000, intervalMs: 50 });
const seconds = (performance.now() - started) / 1000;
const perSecond = Math.round(PUSHES / seconds);
const metrics = await push.deps.metrics.metrics();
const batchCalls = Number(/notify_push_bulk_batch_size_count\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
const batchMessages = Number(/notify_push_bulk_batch_size_sum\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
const fcmPerCall = batchCalls > 0 ? Number((batchMessages / batchCalls).toFixed(1)) : 1;
console.log('outcomes', Object.fromEntries(outcomes), lane === 'bulk' ? `; FCM messages per call: ${fcmPerCall}` : '');
const store = withMongo ? 'Kafka + FerretDB' : 'Kafka, store in memory';
console.log(`${lane} lane (${store}): ${PUSHES} pushes to ${USERS} users (${apns.receivedCount} APNs, ${fcm.receivedCount} FCM) in ${seconds.toFixed(1)} s: ${perSecond} pushes/s on one instance (load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);

await saveResults(`push-${lane}${withMongo ? '-mongo' : ''}`, { benchmark: 'push', lane, store: withMongo ? 'mongo' : 'memory', pushes: PUSHES, users: USERS, apns: apns.receivedCount, fcm: fcm.receivedCount, seconds: Number(seconds.toFixed(2)), pushesPerSecond: perSecond, outcomes: Object.fromEntries(outcomes), ...(lane === 'bulk' ? { fcmMessagesPerCall: fcmPerCall } : {}), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: { start: Number(loadBefore.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) } }, takenAt: new Date().toISOString() });
await producer.stop();
if (push.deps.store.kind === 'mongo') await (push.deps.store as MongoStore).connection.dropDatabase();
await push.stop('bench done');
await firebase.close();
await apns.stop();
await fcm.stop();
await deleteRunTopics(brokers, run);
process.exit(0);
