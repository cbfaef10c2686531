import { env, retentionScheduleSettings, setting } from '@notify/config';
import { tokenListSchema } from '@notify/http';
import { standaloneSettings } from '@notify/runtime';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How deliveries go out: retries, timeouts, concurrency. Shared with the embedded mode. */
export const webhookDeliverySettings = {
  webhookRetryForMs: setting('WEBHOOK_RETRY_FOR_MS', env.int(DAY_MS, 1000), 'How long a delivery is retried (from its first attempt, or from a retry by hand) before it is parked as failed; Standard Webhooks retries for about a day'),
  webhookRetryInitialMs: setting('WEBHOOK_RETRY_INITIAL_MS', env.int(5000, 1), 'Ceiling of the first retry delay; doubles per attempt up to WEBHOOK_RETRY_MAX_MS, each delay drawn at random below its ceiling (full jitter)'),
  webhookRetryMaxMs: setting('WEBHOOK_RETRY_MAX_MS', env.int(3_600_000, 1), 'Longest retry delay'),
  webhookTimeoutMs: setting('WEBHOOK_TIMEOUT_MS', env.int(10_000, 10), 'How long a receiver has to answer one POST; past it the attempt failed and is retried'),
  webhookConcurrency: setting('WEBHOOK_CONCURRENCY', env.int(32, 1), 'POSTs in flight at once per instance, across endpoints (each chain of one notification has at most one)'),
  webhookPerEndpointConcurrency: setting('WEBHOOK_PER_ENDPOINT_CONCURRENCY', env.int(8, 1), 'POSTs in flight at once to one endpoint per instance, so a slow endpoint holds at most this many of WEBHOOK_CONCURRENCY'),
  webhookPollMs: setting('WEBHOOK_POLL_MS', env.int(1000, 10), 'How often the dispatcher looks for due deliveries when it has not been woken by a new one'),
  webhookLeaseMs: setting('WEBHOOK_LEASE_MS', env.int(60_000, 100), 'How long an instance holds a delivery it is sending; another instance takes it over after this if the first one died (longer than WEBHOOK_TIMEOUT_MS)'),
  webhookAllowHttp: setting('WEBHOOK_ALLOW_HTTP', env.boolean(false), 'Accept endpoint URLs with plain http:// (default: https only; the embedded mode allows it)'),
  webhookDisableOnGone: setting('WEBHOOK_DISABLE_ON_GONE', env.boolean(true), 'Disable an endpoint whose receiver answers 410 Gone (its deliveries wait until it is enabled again)'),
  webhookSecretOverlapMs: setting('WEBHOOK_ROTATION_OVERLAP_MS', env.int(DAY_MS, 0), 'After a secret rotation, how long deliveries are also signed with the previous secret, so receivers can switch without rejecting any'),
  retentionWebhookDeliveriesDays: setting('RETENTION_WEBHOOK_DELIVERIES_DAYS', env.positive(7), 'Days a delivered webhook delivery is kept (parked and pending ones stay until retried or their endpoint is deleted)'),
};

export const webhooksSettings = {
  ...standaloneSettings(3004),
  ...webhookDeliverySettings,
  intakeTokens: setting('INTAKE_TOKENS', tokenListSchema('producer'), 'Product teams’ tokens, comma-separated name:secret:scope+scope; the webhooks API needs webhooks:read or webhooks:write, and a team sees only its own endpoints', { secret: true }),
  adminTokens: setting('ADMIN_TOKENS', tokenListSchema('admin'), 'Ops tokens, which see and manage every endpoint, as comma-separated name:secret pairs', { secret: true }),
  ...retentionScheduleSettings,
};
