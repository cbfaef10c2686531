import { Counter, Gauge, metric, type Registry } from '@notify/observability';
import type { PushStats } from './push-stats';

/**
 * Puts this instance's push figures on /metrics, read from `stats` when scraped (the hot path only
 * bumps plain numbers): `notify_push_sent_total{provider,app}`,
 * `notify_push_failed_total{provider,app,reason}`, `notify_push_retries_total{provider,app,reason}`,
 * `notify_push_invalid_tokens_removed_total{provider,app}` and `notify_push_in_flight{provider,app}`.
 */
export function registerPushStatsMetrics(registry: Registry, stats: PushStats): void {
  const labelNames = ['provider', 'app'] as const;
  const withReason = ['provider', 'app', 'reason'] as const;
  metric(registry, 'notify_push_sent_total', () =>
    new Counter({ name: 'notify_push_sent_total', help: 'Pushes the provider accepted, per provider and app', labelNames, registers: [registry], collect() {
      this.reset();
      for (const [provider, app, tally] of stats.entries()) this.inc({ provider, app }, tally.sent);
    } }),
  );
  metric(registry, 'notify_push_failed_total', () =>
    new Counter({ name: 'notify_push_failed_total', help: 'Pushes refused for good (dead tokens included) or given up after the last attempt, per provider, app and the provider’s short reason', labelNames: withReason, registers: [registry], collect() {
      this.reset();
      for (const [provider, app, tally] of stats.entries()) for (const [reason, n] of tally.failed) this.inc({ provider, app, reason }, n);
    } }),
  );
  metric(registry, 'notify_push_retries_total', () =>
    new Counter({ name: 'notify_push_retries_total', help: 'Provider answers that were retried (429, 5xx, no answer), per provider, app and short reason', labelNames: withReason, registers: [registry], collect() {
      this.reset();
      for (const [provider, app, tally] of stats.entries()) for (const [reason, n] of tally.retries) this.inc({ provider, app, reason }, n);
    } }),
  );
  metric(registry, 'notify_push_invalid_tokens_removed_total', () =>
    new Counter({ name: 'notify_push_invalid_tokens_removed_total', help: 'Devices deactivated because the provider said their token is dead, per provider and app', labelNames, registers: [registry], collect() {
      this.reset();
      for (const [provider, app, tally] of stats.entries()) this.inc({ provider, app }, tally.invalidTokensRemoved);
    } }),
  );
  metric(registry, 'notify_push_in_flight', () =>
    new Gauge({ name: 'notify_push_in_flight', help: 'Pushes handed to the provider and not answered yet, per provider and app', labelNames, registers: [registry], collect() {
      this.reset();
      for (const [provider, app, tally] of stats.entries()) this.set({ provider, app }, tally.inFlight);
    } }),
  );
}
