/**
 * The push service in a process of its own for the push benchmark, configured as its `main` would
 * be (PUSH_* settings pass through), with the real node-apn and firebase-admin pointed at the
 * emulators of BENCH_EMULATORS_FILE. Its store is the MongoDB-wire server at BENCH_MONGO_URL, or
 * memory when that is unset (a lab figure); BENCH_SENDERS=none replaces the providers (see below). Registers BENCH_USERS users' devices (BENCH_DEVICES_PER_USER
 * each, alternately iOS and Android) before it says READY; its /metrics tell the benchmark its CPU.
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import { connectFirebaseToEmulator } from '@notify/push-emulators/firebase-harness';
import { createPushModule, pushSettings } from '@notify/push';
import { startProcess } from '@notify/runtime';
import type { MongoStore } from '@notify/store';
import { ApnsSender } from '../../services/push/src/senders/apns-sender';
import { FcmSender } from '../../services/push/src/senders/fcm-sender';
import type { PushSender } from '../../services/push/src/senders/push-sender';
import type { EmulatorsFile } from './push-emulators-server';
import { productSettingsFromEnv } from './product-env';

const emulators = JSON.parse(await readFile(process.env.BENCH_EMULATORS_FILE ?? '', 'utf8')) as EmulatorsFile;
const users = Number(process.env.BENCH_USERS ?? 1000);
const devicesPerUser = Number(process.env.BENCH_DEVICES_PER_USER ?? 1);
const mongoUrl = process.env.BENCH_MONGO_URL || undefined;
const config = loadConfig(pushSettings, {
  PUSH_BULK_RATE_PER_SECOND: '1000000',
  ...productSettingsFromEnv(),
  PORT: process.env.PORT ?? '0',
  LOG_LEVEL: 'silent',
  KAFKA_BROKERS: process.env.BENCH_KAFKA_BROKERS,
  TOPIC_PREFIX: process.env.BENCH_TOPIC_PREFIX,
  MONGO_URL: mongoUrl ?? 'mongodb://127.0.0.1:1/unused',
  INTAKE_TOKENS: 'bench:bench-producer-secret-0123456789',
  ADMIN_TOKENS: 'ops:bench-admin-secret-0123456789abc',
});
const firebase = connectFirebaseToEmulator(emulators.fcm, { projectId: 'bench' });
const apnsAuth = { key: process.env.BENCH_APNS_KEY ?? '', keyId: 'BENCHKEY01', teamId: 'BENCHTEAM1' };
/** BENCH_SENDERS=none: senders that answer "sent" at once, without a network, to measure the rest of the pipeline alone. */
const answerSent = (provider: 'apns' | 'fcm'): PushSender => ({ provider, send: async (messages) => messages.map(() => ({ status: 'sent' as const })), close: async () => {} });
const senders =
  process.env.BENCH_SENDERS === 'none'
    ? { apns: answerSent('apns'), fcm: answerSent('fcm') }
    : { apns: new ApnsSender({ ...apnsAuth, ...emulators.apns, connections: config.apnsConnections }), fcm: new FcmSender(firebase.messaging) };
const retry = { maxAttempts: config.maxAttempts, initialDelayMs: config.retryInitialMs, maxDelayMs: config.retryMaxMs };
const running = await startProcess({
  service: 'push',
  config: { ...config, mongoUrl },
  logger: silentLogger(),
  modules: (deps) => [
    createPushModule(deps, {
      ...config,
      tokens: [],
      senders,
      retry,
    }),
  ],
});

/** The benchmark's n-th device: even ones on iOS, odd ones on Android. */
const device = (userId: string, n: number) => {
  const ios = n % 2 === 0;
  return { userId, platform: ios ? ('ios' as const) : ('android' as const), appId: 'com.example.bench', environment: 'sandbox' as const, token: ios ? n.toString(16).padStart(64, '0') : `fcm-bench-${n}-0123456789` };
};
const all = Array.from({ length: users * devicesPerUser }, (_, n) => device(`user-${Math.floor(n / devicesPerUser)}`, n));
if (running.deps.store.kind === 'mongo') {
  // Seeded in bulk (setting up is not what is measured): one registration at a time scans the collection on FerretDB.
  const now = new Date();
  const collection = (running.deps.store as MongoStore).connection.collection('devices');
  for (let i = 0; i < all.length; i += 1000) await collection.insertMany(all.slice(i, i + 1000).map((d) => ({ ...d, active: true, createdAt: now, updatedAt: now })));
} else {
  for (const d of all) await running.deps.store.devices.register(d);
}
process.on('SIGTERM', () => {
  void (async () => {
    if (running.deps.store.kind === 'mongo') await (running.deps.store as MongoStore).connection.dropDatabase();
    await running.stop('bench done');
    await firebase.close();
    process.exit(0);
  })();
});
console.log(`READY ${running.url}`);
