import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { startProcess, type RunningProcess } from '@notify/runtime';
import { freePort, requireKafka, requireMongo, uniqueName } from '@notify/testing';
import { createPushModule, type PushOptions } from '../src/push-module';

export const producerToken = 'push-producer-secret-0123456789';
export const producerHeaders = { 'content-type': 'application/json', authorization: `Bearer ${producerToken}` };
/** A product team's token with the default scopes only (send events, read their own). */
export const senderToken = 'push-sender-secret-0123456789ab';

export interface PushUnderTest {
  url: string;
  running: RunningProcess;
  statuses: DeliveryStatus[];
  /** The current value of one of this instance's counters, for the labels given (summed over the rest). */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  push(lane: 'transactional' | 'bulk', ...notifications: Notification[]): Promise<void>;
  stop(): Promise<void>;
}

let instances = 0;

/**
 * A push service in this process on the real Kafka and MongoDB-wire server, with a prefix and
 * database of its own, or those of `deployment` (another instance of the same deployment).
 */
export async function startPush(options: Partial<PushOptions> = {}, deployment: string = uniqueName('push')): Promise<PushUnderTest> {
  const port = await freePort();
  const name = deployment;
  const running = await startProcess({
    service: 'push',
    logger: silentLogger(),
    config: { logLevel: 'silent', host: '127.0.0.1', port, shutdownTimeoutMs: 10_000, kafkaBrokers: await requireKafka(), mongoUrl: await requireMongo(name), topicPrefix: name },
    modules: (deps) => [
      createPushModule(deps, {
        tokens: [
          { name: 'shop', role: 'producer', secret: producerToken, scopes: ['devices:read', 'devices:write'] },
          { name: 'billing', role: 'producer', secret: senderToken },
        ],
        senders: {},
        transactionalConcurrency: 8,
        bulkConcurrency: 2,
        bulkRatePerSecond: 500,
        retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000 },
        ...options,
      }),
    ],
  });
  const statuses: DeliveryStatus[] = [];
  // A group per instance, so each instance of a deployment sees every status.
  await running.deps.bus.subscribe(topics.deliveryStatus, { groupId: `test-statuses-${++instances}` }, async (m) => void statuses.push(m.value));
  return {
    url: `http://127.0.0.1:${port}`,
    running,
    statuses,
    counter: async (metricName, labels = {}) => {
      const found = running.deps.metrics.getSingleMetric(metricName);
      if (!found) return 0;
      const { values } = await found.get();
      return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((sum, v) => sum + v.value, 0);
    },
    push: (lane, ...notifications) => running.deps.bus.publish(lane === 'bulk' ? topics.deliverPushBulk : topics.deliverPushTransactional, notifications.map((value) => ({ value }))),
    stop: () => running.stop('test done'),
  };
}

let counter = 0;
export function pushNotification(userId: string, extra: Partial<Notification> = {}): Notification {
  const n = ++counter;
  return {
    version: 1,
    notificationId: `p${n}:${userId}-${Date.now().toString(36)}`,
    eventId: `p${n}`,
    userId,
    type: 'payment.succeeded',
    priority: 'transactional',
    content: { title: 'Payment received', body: `You were paid ${n} EUR`, deepLink: 'shop://payments/1', data: { n } },
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

/** A 64-hex-digit APNs-style token, distinct per seed. */
export const iosToken = (seed: string) => Buffer.from(seed.padEnd(32, '0')).toString('hex').slice(0, 64);
