import type { Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { ApiToken } from '@notify/http';
import { Counter, Gauge, Histogram, metric } from '@notify/observability';
import { retentionJobFor, type RetentionScheduleOptions, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import { storeSweeps } from '@notify/store';
import { Dispatcher } from './delivery/dispatcher';
import { postWebhook, type SendOutcome, type WebhookPoster } from './delivery/http-sender';
import { registerEndpointRoutes } from './endpoints/endpoint-routes';
import { EndpointCache, writeOutbox } from './outbox/outbox-writer';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface WebhooksOptions extends RetentionScheduleOptions {
  tokens: readonly ApiToken[];
  webhookRetryForMs: number;
  webhookRetryInitialMs: number;
  webhookRetryMaxMs: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  webhookPerEndpointConcurrency: number;
  webhookPollMs: number;
  webhookLeaseMs: number;
  webhookAllowHttp: boolean;
  webhookDisableOnGone: boolean;
  webhookSecretOverlapMs: number;
  retentionWebhookDeliveriesDays: number;
  /** How long the dispatcher trusts its copy of the endpoints (default 1 s; this instance's own changes drop it at once). */
  endpointCacheMs?: number;
  /** The HTTP client (tests may wrap it). */
  post?: WebhookPoster;
}

/** The consumer group that turns `delivery.status` into webhook deliveries: its own, so it never holds up the status trail. */
export const WEBHOOKS_GROUP = 'webhooks';

/**
 * The webhooks service as a module: the endpoints API, a background consumer of `delivery.status`
 * writing the outbox, and the dispatcher sending it (signed, retried, in order per notification).
 */
export function createWebhooksModule(deps: ServiceDeps, options: WebhooksOptions): ServiceModule {
  const logger = deps.logger.child({ module: 'webhooks' });
  const registers = [deps.metrics];
  const endpoints = new EndpointCache(deps.store.webhooks, options.endpointCacheMs ?? 1000);
  const written = metric(deps.metrics, 'notify_webhook_outbox_written_total', () => new Counter({ name: 'notify_webhook_outbox_written_total', help: 'Deliveries written to the webhook outbox from delivery.status (a status read again writes none)', registers }));
  const finished = metric(deps.metrics, 'notify_webhook_deliveries_total', () => new Counter({ name: 'notify_webhook_deliveries_total', help: 'Webhook deliveries by what an attempt made of them: delivered, retried (to be tried again) or parked (failed after the retry window)', labelNames: ['outcome'], registers }));
  const attempts = metric(deps.metrics, 'notify_webhook_attempts_total', () => new Counter({ name: 'notify_webhook_attempts_total', help: 'POSTs to webhook endpoints by result: 2xx, 4xx, 5xx, other (an HTTP status outside those), timeout, unreachable', labelNames: ['result'], registers }));
  const seconds = metric(deps.metrics, 'notify_webhook_attempt_duration_seconds', () => new Histogram({ name: 'notify_webhook_attempt_duration_seconds', help: 'Time a webhook endpoint took to answer one POST', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }));
  const dispatcher = new Dispatcher({
    webhooks: deps.store.webhooks,
    endpoints: () => endpoints.get(),
    post: options.post ?? postWebhook,
    retry: { initialMs: options.webhookRetryInitialMs, maxMs: options.webhookRetryMaxMs, retryForMs: options.webhookRetryForMs },
    timeoutMs: options.webhookTimeoutMs,
    concurrency: options.webhookConcurrency,
    perEndpointConcurrency: options.webhookPerEndpointConcurrency,
    pollMs: options.webhookPollMs,
    leaseMs: options.webhookLeaseMs,
    disableOnGone: options.webhookDisableOnGone,
    holder: deps.instanceId,
    logger,
    onAttempt: (outcome, took) => {
      attempts.inc({ result: resultOf(outcome) });
      seconds.observe(took);
    },
    onFinished: (outcome, count) => finished.inc({ outcome }, count),
    onDisabled: () => endpoints.invalidate(),
  });
  metric(deps.metrics, 'notify_webhook_backlog', () => new Gauge({
    name: 'notify_webhook_backlog',
    help: 'Webhook deliveries waiting to be delivered (pending in the outbox), across endpoints',
    registers,
    async collect() {
      const backlog = await deps.store.webhooks.backlog().catch(() => undefined);
      if (backlog) this.set([...backlog.values()].reduce((a, b) => a + b, 0));
    },
  }));
  metric(deps.metrics, 'notify_webhook_sending', () => new Gauge({ name: 'notify_webhook_sending', help: 'Webhook POSTs (single or batch) this instance has in flight', registers, collect() { this.set(dispatcher.sending); } }));
  registerEndpointRoutes(deps.http.app, {
    webhooks: deps.store.webhooks,
    tokens: options.tokens,
    allowHttp: options.webhookAllowHttp,
    secretOverlapMs: options.webhookSecretOverlapMs,
    changed: () => {
      endpoints.invalidate();
      dispatcher.wake();
    },
  });
  const retention = retentionJobFor(deps, options, [storeSweeps.deliveredWebhooks(deps.store, options.retentionWebhookDeliveriesDays * DAY_MS)]);
  let subscription: Subscription | undefined;
  return {
    name: 'webhooks',
    start: async () => {
      retention?.start();
      dispatcher.start();
      subscription = await deps.bus.subscribeBatch(topics.deliveryStatus, { groupId: WEBHOOKS_GROUP, background: true, maxBatchSize: 500 }, async (messages) => {
        // The endpoints are read for each slice, not cached: one created on any instance before the slice was read hears its statuses.
        const added = await writeOutbox({ webhooks: deps.store.webhooks, claims: deps.store.idempotency, endpoints: () => deps.store.webhooks.listEndpoints() }, messages);
        if (added > 0) {
          written.inc(added);
          dispatcher.wake();
        }
      });
    },
    stop: async () => {
      await subscription?.stop();
      await dispatcher.stop();
      await retention?.stop();
    },
  };
}

function resultOf(outcome: SendOutcome): string {
  if (outcome.kind !== 'answered') return outcome.kind;
  if (outcome.status >= 200 && outcome.status < 300) return '2xx';
  if (outcome.status >= 400 && outcome.status < 500) return '4xx';
  if (outcome.status >= 500 && outcome.status < 600) return '5xx';
  return 'other';
}
