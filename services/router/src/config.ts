import { deliveryLogRetentionSettings, env, retentionScheduleSettings, setting } from '@notify/config';
import { tokenListSchema } from '@notify/http';
import { standaloneSettings } from '@notify/runtime';

export const routerSettings = {
  ...standaloneSettings(3000),
  maxBatchEvents: setting('ROUTER_MAX_BATCH_EVENTS', env.int(500, 1), 'Most events one POST /v1/events batch may carry'),
  intakeTokens: setting('INTAKE_TOKENS', tokenListSchema('producer'), 'Product teams’ tokens, comma-separated name:secret (secret ≥ 16 characters; may send events and read their own events’ history) or name:secret:scope+scope (see API tokens and their scopes)', { secret: true }),
  adminTokens: setting('ADMIN_TOKENS', tokenListSchema('admin'), 'Ops tokens for the rules admin API (and intake), as comma-separated name:secret pairs; the name is recorded in rule history', { secret: true }),
  intakeTimeoutMs: setting('ROUTER_INTAKE_TIMEOUT_MS', env.int(2000, 100), 'Longest POST /v1/events waits for Kafka to take its events; past it the answer is 503 NOTIFY_ERR_UNAVAILABLE (resend with the same ids)'),
  intakeRateLimit: setting('ROUTER_INTAKE_RATE_LIMIT', env.int(100, 0), 'Requests one token may make to POST /v1/events per ROUTER_INTAKE_RATE_WINDOW_MS on one router instance (a batch counts once); beyond it 429 NOTIFY_ERR_RATE_LIMITED with Retry-After. 0: no limit'),
  intakeRateWindowMs: setting('ROUTER_INTAKE_RATE_WINDOW_MS', env.int(1000, 100), 'The window of ROUTER_INTAKE_RATE_LIMIT'),
  digestTickMs: setting('ROUTER_DIGEST_TICK_MS', env.int(1000, 50), 'How often the router looks for digests whose window ended'),
  escalationSweepMs: setting('ROUTER_ESCALATION_SWEEP_MS', env.int(1000, 50), 'Time between sweeps of the due escalation steps of the intake partitions a router owns: how late a step may be taken'),
  escalationLeaseMs: setting('ROUTER_ESCALATION_LEASE_MS', env.int(30_000, 1000), 'How long a claimed escalation step stays its router’s: a step whose router died between claiming and settling it is taken over after this (and sent again: the same push, the same webhook delivery id)'),
  rulesRefreshMs: setting('ROUTER_RULES_REFRESH_MS', env.int(30_000, 1000), 'Rules are reloaded on every change event; this periodic reload is the safety net'),
  dedupWindowMs: setting('ROUTER_DEDUP_WINDOW_MS', env.int(7 * 24 * 60 * 60 * 1000, 1000), 'How long an event id is remembered: the same id again within it (a producer retry, a replay) is a duplicate; the retention sweep deletes it afterwards'),
  deadLettersIndexMb: setting('ROUTER_DEAD_LETTERS_INDEX_MB', env.positive(64), 'Memory each router gives the ops console’s view of notify.dlq (original bytes included); past it the oldest letters are dropped from the view (they stay on the topic)'),
  retentionDeadLetterActionsDays: setting('RETENTION_DEAD_LETTER_ACTIONS_DAYS', env.positive(90), 'Days a dead-letter action (replay, discard: who, when, which letters) is kept; keep it above notify.dlq’s retention (30 days), or a handled letter still on the topic shows as open again'),
  lanesSampleMs: setting('ROUTER_LANES_SAMPLE_MS', env.int(5000, 250), 'How often the router reads every topic’s end offsets and its consumer groups’ committed offsets for the ops console’s Lanes page (a few Kafka admin requests per topic)'),
  lanesHistoryMs: setting('ROUTER_LANES_HISTORY_MS', env.int(300_000, 10_000), 'How far back the Lanes page’s samples and routed → socket latencies are kept (bounded memory)'),
  ...retentionScheduleSettings,
  ...deliveryLogRetentionSettings,
};
