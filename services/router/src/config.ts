import { deliveryLogRetentionSettings, env, retentionScheduleSettings, setting } from '@notify/config';
import { tokenListSchema } from '@notify/http';
import { standaloneSettings } from '@notify/runtime';

export const routerSettings = {
  ...standaloneSettings(3000),
  maxBatchEvents: setting('ROUTER_MAX_BATCH_EVENTS', env.int(500, 1), 'Most events one POST /v1/events batch may carry'),
  intakeTokens: setting('INTAKE_TOKENS', tokenListSchema('producer'), 'Product teams’ tokens for POST /v1/events, as comma-separated name:secret pairs (secret ≥ 16 characters)', { secret: true }),
  adminTokens: setting('ADMIN_TOKENS', tokenListSchema('admin'), 'Ops tokens for the rules admin API (and intake), as comma-separated name:secret pairs; the name is recorded in rule history', { secret: true }),
  digestTickMs: setting('ROUTER_DIGEST_TICK_MS', env.int(1000, 50), 'How often the router looks for digests whose window ended'),
  rulesRefreshMs: setting('ROUTER_RULES_REFRESH_MS', env.int(30_000, 1000), 'Rules are reloaded on every change event; this periodic reload is the safety net'),
  dedupWindowMs: setting('ROUTER_DEDUP_WINDOW_MS', env.int(7 * 24 * 60 * 60 * 1000, 1000), 'How long an event id is remembered: the same id again within it (a producer retry, a replay) is a duplicate; the retention sweep deletes it afterwards'),
  ...retentionScheduleSettings,
  ...deliveryLogRetentionSettings,
};
