import type { Subscription } from '@notify/bus';
import type { DeviceChange } from '@notify/contracts';
import type { ApiToken, TokenVerifier } from '@notify/http';
import { Counter, Gauge, Histogram, metric } from '@notify/observability';
import { retentionJobFor, type RetentionScheduleOptions, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import { storeSweeps } from '@notify/store';
import { DeviceCache } from './devices/device-cache';
import { DeviceDirectory } from './devices/device-directory';
import type { DeadDevice } from './devices/device-feedback';
import { registerDeviceRoutes, type UserRateLimit } from './devices/device-routes';
import { consumeDeviceChanges } from './handlers/device-changes';
import { consumePushLanes } from './handlers/push-lanes';
import { ClaimBatcher } from './lanes/claim-batcher';
import { RateLimiter } from './lanes/rate-limiter';
import { SendBatcher } from './lanes/send-batcher';
import { providerOf } from './senders/provider-of';
import type { PushSender } from './senders/push-sender';
import { CountingSender } from './stats/counting-sender';
import { PushStats } from './stats/push-stats';
import { registerPushStatsMetrics } from './stats/push-stats-metrics';
import { registerStatsRoutes } from './stats/stats-routes';
import type { DeliverPushDeps, RetryPolicy } from './usecases/deliver-push';

export interface PushOptions extends RetentionScheduleOptions {
  tokens: readonly ApiToken[];
  senders: { apns?: PushSender | undefined; fcm?: PushSender | undefined };
  transactionalConcurrency: number;
  bulkConcurrency: number;
  bulkRatePerSecond: number;
  retry: RetryPolicy;
  /** Users whose active devices are held in memory (default 50,000; 0 holds none). */
  deviceCacheUsers?: number;
  /** Longest a held user's devices are used without a re-read (default 5 minutes). */
  deviceCacheMaxAgeMs?: number;
  /** Checks users' JWTs: apps register their own devices at /v1/me/devices. Unset: those routes answer 404. */
  verify?: TokenVerifier | undefined;
  /** Active devices of one kind a user may hold through /v1/me/devices (default 20). */
  maxDevicesPerUser?: number;
  /** Requests one user may make to /v1/me/devices per userRateWindowMs (default 30 a minute; 0: no limit). */
  userRateLimit?: number;
  userRateWindowMs?: number;
}

/** The push service as a module: the devices API, and one consumer per push lane feeding the APNs and FCM senders. */
export function createPushModule(deps: ServiceDeps, options: PushOptions): ServiceModule {
  const logger = deps.logger.child({ module: 'push' });
  // Per app and provider: what the senders answered and which devices died (GET /v1/push/stats, /metrics).
  const stats = new PushStats();
  registerPushStatsMetrics(deps.metrics, stats);
  registerStatsRoutes(deps.http.app, { stats, tokens: options.tokens, instance: deps.instanceName });
  const counted = (sender: PushSender | undefined) => (sender ? new CountingSender(sender, stats, options.retry.maxAttempts) : undefined);
  const senders = { apns: counted(options.senders.apns), fcm: counted(options.senders.fcm) };
  const onDeactivated = (device: DeadDevice) => void stats.tallyOf(providerOf(device.platform), device.appId).invalidTokensRemoved++;
  const directory = new DeviceDirectory(deps.store.devices, deviceCacheFor(deps, options), deps.bus, { onDeactivated });
  const userRateLimit: UserRateLimit = { max: options.userRateLimit ?? 30, windowMs: options.userRateWindowMs ?? 60_000 };
  registerDeviceRoutes(deps.http.app, {
    devices: deps.store.devices,
    directory,
    tokens: options.tokens,
    reachable: { apns: options.senders.apns !== undefined, fcm: options.senders.fcm !== undefined },
    verify: options.verify,
    maxDevicesPerUser: options.maxDevicesPerUser,
    userRateLimit,
  });
  const changesHeard = metric(deps.metrics, 'notify_push_device_changes_heard_total', () => new Counter({ name: 'notify_push_device_changes_heard_total', help: 'Device change notices this push instance heard on devices.changes (each drops a user from its cache)', labelNames: ['change'], registers: [deps.metrics] }));
  // The bulk lane's FCM sends are merged across concurrent handlers into sendEach batches.
  const batchSizes = metric(deps.metrics, 'notify_push_bulk_batch_size', () => new Histogram({ name: 'notify_push_bulk_batch_size', help: 'Messages per FCM call on the bulk lane', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500], registers: [deps.metrics] }));
  const bulkFcm = senders.fcm ? new SendBatcher(senders.fcm, 500, 5, (size) => batchSizes.observe(size)) : undefined;
  // The transactional lane's are merged too, but only within one turn of the event loop: no push waits for a timer.
  const transactionalBatchSizes = metric(deps.metrics, 'notify_push_transactional_batch_size', () => new Histogram({ name: 'notify_push_transactional_batch_size', help: 'Messages per FCM call on the transactional lane', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500], registers: [deps.metrics] }));
  const transactionalFcm = senders.fcm ? new SendBatcher(senders.fcm, 500, 0, (size) => transactionalBatchSizes.observe(size)) : undefined;
  const bulkLimiter = new RateLimiter(options.bulkRatePerSecond);
  metric(deps.metrics, 'notify_push_rate_limiter_buckets', () => new Gauge({ name: 'notify_push_rate_limiter_buckets', help: 'Rate-limit buckets (provider and app) the bulk lane holds; idle refilled ones are forgotten past 1,000', registers: [deps.metrics], collect() { this.set(bulkLimiter.size); } }));
  metric(deps.metrics, 'notify_push_transactional_batcher_waiting', () => new Gauge({ name: 'notify_push_transactional_batcher_waiting', help: 'Transactional-lane FCM messages queued for the next sendEach call or at the provider', registers: [deps.metrics], collect() { this.set(transactionalFcm?.waiting ?? 0); } }));
  metric(deps.metrics, 'notify_push_bulk_batcher_waiting', () => new Gauge({ name: 'notify_push_bulk_batcher_waiting', help: 'Bulk-lane FCM messages queued for the next sendEach call or at the provider', registers: [deps.metrics], collect() { this.set(bulkFcm?.waiting ?? 0); } }));
  // The done marks of pushes finishing together are written together, across both lanes.
  const marks = new ClaimBatcher(deps.store.idempotency);
  metric(deps.metrics, 'notify_push_claim_batcher_waiting', () => new Gauge({ name: 'notify_push_claim_batcher_waiting', help: 'Started and done marks queued for the next write or being written', registers: [deps.metrics], collect() { this.set(marks.waiting); } }));
  const lane = (name: DeliverPushDeps['lane']): DeliverPushDeps => ({
    bus: deps.bus,
    devices: directory,
    inbox: deps.store.inbox,
    idempotency: marks,
    senders: { apns: senders.apns, fcm: name === 'bulk' ? bulkFcm : transactionalFcm },
    lane: name,
    retry: options.retry,
    ...(name === 'bulk' ? { limiter: bulkLimiter } : {}),
  });
  // Push writes deduplication claims; the collection is shared with the router, and sweeping expired claims from both is harmless.
  const retention = retentionJobFor(deps, options, [storeSweeps.idempotency(deps.store)]);
  let subscriptions: Subscription[] = [];
  return {
    name: 'push',
    start: async () => {
      if (!options.senders.apns) logger.warn('APNs is not configured (APNS_KEY, APNS_KEY_ID, APNS_TEAM_ID): pushes to iOS devices will fail');
      if (!options.senders.fcm) logger.warn('FCM is not configured (FCM_SERVICE_ACCOUNT): pushes to Android and web devices will fail');
      if (!options.verify) logger.info('apps cannot register their own devices (/v1/me/devices): set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL to allow it');
      retention?.start();
      const heard = (change: DeviceChange) => {
        directory.heard(change);
        changesHeard.inc({ change: change.change });
      };
      // Listening for device changes before the first push, so no entry the lanes fill can miss one.
      subscriptions = [await consumeDeviceChanges(deps.bus, heard, deps.instanceName)];
      const lanes = { transactional: lane('transactional'), bulk: lane('bulk'), transactionalConcurrency: options.transactionalConcurrency, bulkConcurrency: options.bulkConcurrency };
      subscriptions.push(...(await consumePushLanes(deps.bus, lanes)));
    },
    stop: async () => {
      await retention?.stop();
      for (const s of subscriptions) await s.stop();
      await Promise.all([bulkFcm?.close(), transactionalFcm?.close()]);
      await Promise.all([options.senders.apns?.close(), options.senders.fcm?.close()]);
    },
  };
}

/** This instance's cache of users' active devices, with its gauge and lookup counter. */
function deviceCacheFor(deps: ServiceDeps, options: PushOptions): DeviceCache {
  const lookups = metric(deps.metrics, 'notify_push_device_cache_lookups_total', () => new Counter({ name: 'notify_push_device_cache_lookups_total', help: 'Lookups of a user’s devices by the push lanes: hit (from memory), miss (read from the store), shared (joined a read under way)', labelNames: ['result'], registers: [deps.metrics] }));
  const cache = new DeviceCache({
    load: (userId) => deps.store.devices.listActive(userId),
    loadMany: (userIds) => deps.store.devices.listActiveMany(userIds),
    maxUsers: options.deviceCacheUsers ?? 50_000,
    maxAgeMs: options.deviceCacheMaxAgeMs ?? 300_000,
    onLookup: (result) => lookups.inc({ result }),
  });
  metric(deps.metrics, 'notify_push_device_cache_users', () => new Gauge({ name: 'notify_push_device_cache_users', help: 'Users whose active devices this push instance holds in memory (PUSH_DEVICE_CACHE_USERS at most)', registers: [deps.metrics], collect() { this.set(cache.size); } }));
  return cache;
}
