import type { Subscription } from '@notify/bus';
import type { ApiToken } from '@notify/http';
import type { ServiceDeps, ServiceModule } from '@notify/runtime';
import { registerDeviceRoutes } from './devices/device-routes';
import { consumePushLanes } from './handlers/push-lanes';
import { RateLimiter } from './lanes/rate-limiter';
import type { PushSender } from './senders/push-sender';
import type { DeliverPushDeps, RetryPolicy } from './usecases/deliver-push';

export interface PushOptions {
  tokens: readonly ApiToken[];
  senders: { apns?: PushSender | undefined; fcm?: PushSender | undefined };
  transactionalConcurrency: number;
  bulkConcurrency: number;
  bulkRatePerSecond: number;
  retry: RetryPolicy;
}

/** The push service as a module: the devices API, and one consumer per push lane feeding the APNs and FCM senders. */
export function createPushModule(deps: ServiceDeps, options: PushOptions): ServiceModule {
  const logger = deps.logger.child({ module: 'push' });
  registerDeviceRoutes(deps.http.app, { devices: deps.store.devices, tokens: options.tokens });
  const lane = (name: DeliverPushDeps['lane']): DeliverPushDeps => ({
    bus: deps.bus,
    devices: deps.store.devices,
    inbox: deps.store.inbox,
    idempotency: deps.store.idempotency,
    senders: options.senders,
    lane: name,
    retry: options.retry,
    ...(name === 'bulk' ? { limiter: new RateLimiter(options.bulkRatePerSecond) } : {}),
  });
  let subscriptions: Subscription[] = [];
  return {
    name: 'push',
    start: async () => {
      if (!options.senders.apns) logger.warn('APNs is not configured (APNS_KEY, APNS_KEY_ID, APNS_TEAM_ID): pushes to iOS devices will fail');
      if (!options.senders.fcm) logger.warn('FCM is not configured (FCM_SERVICE_ACCOUNT): pushes to Android and web devices will fail');
      subscriptions = await consumePushLanes(deps.bus, { transactional: lane('transactional'), bulk: lane('bulk'), transactionalConcurrency: options.transactionalConcurrency, bulkConcurrency: options.bulkConcurrency });
    },
    stop: async () => {
      for (const s of subscriptions) await s.stop();
      await Promise.all([options.senders.apns?.close(), options.senders.fcm?.close()]);
    },
  };
}
