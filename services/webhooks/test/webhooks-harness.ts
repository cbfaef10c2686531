import { topics, type DeliveryStatus } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { startProcess, type RunningProcess } from '@notify/runtime';
import { freePort, requireKafka, requireMongo, uniqueName } from '@notify/testing';
import { EVENT_SENDER_SCOPE } from '../src/outbox/outbox-writer';
import { createWebhooksModule, type WebhooksOptions } from '../src/webhooks-module';

export const adminToken = 'webhooks-admin-secret-0123456789';
export const shopToken = 'webhooks-shop-secret-0123456789ab';
export const billingToken = 'webhooks-billing-secret-0123456789';
/** A producer token without the webhooks scopes. */
export const senderToken = 'webhooks-sender-secret-0123456789';

/** Short waits, so every retry schedule of the tests plays out in seconds. */
export const fastDelivery = {
  webhookRetryForMs: 4000,
  webhookRetryInitialMs: 40,
  webhookRetryMaxMs: 250,
  webhookTimeoutMs: 300,
  webhookConcurrency: 16,
  webhookPerEndpointConcurrency: 8,
  webhookPollMs: 20,
  webhookLeaseMs: 2000,
  webhookAllowHttp: true,
  webhookDisableOnGone: true,
  webhookSecretOverlapMs: 60_000,
  retentionWebhookDeliveriesDays: 7,
};

/** An answer's fields as the tests read them. */
export interface ApiAnswer {
  id: string;
  secret: string;
  disabled: boolean;
  disabledReason?: string;
  endpoints: Array<{ id: string }>;
  deliveries: DeliveryView[];
  next?: string;
}

/** A delivery as the API lists it. */
export interface DeliveryView {
  id: string;
  state: string;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
}

export interface WebhooksUnderTest {
  url: string;
  running: RunningProcess;
  /** Calls the API; `T` is what the test expects the answer to be (its assertions check it). */
  api<T = ApiAnswer>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: T }>;
  /** Publishes statuses on delivery.status, as the other services do. */
  publish(...statuses: DeliveryStatus[]): Promise<void>;
  /** Records `sender` as the producer token that sent these events (what the router's intake does). */
  sentBy(sender: string, ...eventIds: string[]): Promise<void>;
  counter(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/** A webhooks service in this process on the real Kafka and MongoDB-wire server, with a deployment (prefix and database) of its own or `deployment`'s. */
export async function startWebhooks(options: Partial<WebhooksOptions> = {}, deployment: string = uniqueName('webhooks')): Promise<WebhooksUnderTest> {
  const port = await freePort();
  const running = await startProcess({
    service: 'webhooks',
    logger: silentLogger(),
    config: { logLevel: 'silent', host: '127.0.0.1', port, shutdownTimeoutMs: 10_000, kafkaBrokers: await requireKafka(), mongoUrl: await requireMongo(deployment), topicPrefix: deployment },
    modules: (deps) => [
      createWebhooksModule(deps, {
        tokens: [
          { name: 'ops', role: 'admin', secret: adminToken },
          { name: 'shop', role: 'producer', secret: shopToken, scopes: ['events:write', 'webhooks:read', 'webhooks:write'] },
          { name: 'billing', role: 'producer', secret: billingToken, scopes: ['events:write', 'webhooks:read', 'webhooks:write'] },
          { name: 'sender', role: 'producer', secret: senderToken, scopes: ['events:write'] },
        ],
        ...fastDelivery,
        endpointCacheMs: 100,
        ...options,
      }),
    ],
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    running,
    api: async <T>(method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
    },
    publish: (...statuses) => running.deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value }))),
    sentBy: async (sender, ...eventIds) => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      await running.deps.store.idempotency.claimMany(EVENT_SENDER_SCOPE, eventIds.map((key) => ({ key, expiresAt, holder: sender })));
    },
    counter: async (name, labels = {}) => {
      const found = running.deps.metrics.getSingleMetric(name);
      if (!found) return 0;
      const { values } = await found.get();
      return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((sum, v) => sum + v.value, 0);
    },
    stop: () => running.stop('test done'),
  };
}

let n = 0;
/** A status event as the router, gateway or push would publish it. */
export function status(notificationId: string, kind: DeliveryStatus['status'], extra: Partial<DeliveryStatus> = {}): DeliveryStatus {
  n++;
  return {
    version: 1,
    eventId: notificationId.split(':')[0]!,
    notificationId,
    userId: notificationId.split(':')[1] ?? 'u1',
    status: kind,
    channel: 'push',
    service: 'push',
    at: new Date(Date.now() + n).toISOString(),
    ...extra,
  };
}
