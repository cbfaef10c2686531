import { Counter, metric, type Registry } from '@notify/observability';

/** How routing ended for an event a rule (or the defaults) decided. */
export type RuleHitOutcome = 'deliver' | 'suppressed' | 'expired' | 'dead_lettered';

/** The rule label of events no rule matched (the defaults decided). */
export const DEFAULTS_RULE = '(defaults)';

const BUCKET_MS = 5_000;
const WINDOW_MS = 60_000;

/**
 * Counts the events each rule decided, by outcome: `notify_rule_hits_total{rule,outcome}` on /metrics
 * for Prometheus, and the same increments in five-second buckets so the console can show each
 * rule's hits over the last minute without a Prometheus of its own.
 */
export class RuleHits {
  private readonly counter: Counter<'rule' | 'outcome'>;
  private readonly buckets: Array<{ start: number; byRule: Map<string, number> }> = [];

  constructor(
    registry: Registry,
    private readonly clock: () => number = Date.now,
  ) {
    this.counter = metric(registry, 'notify_rule_hits_total', () => new Counter({ name: 'notify_rule_hits_total', help: 'Events each rule decided (rule "(defaults)": no rule matched), by how routing ended for them', labelNames: ['rule', 'outcome'] as const, registers: [registry] }));
  }

  hit(ruleId: string | null, outcome: RuleHitOutcome): void {
    const rule = ruleId ?? DEFAULTS_RULE;
    this.counter.inc({ rule, outcome });
    const start = this.clock() - (this.clock() % BUCKET_MS);
    let bucket = this.buckets.at(-1);
    if (bucket?.start !== start) {
      bucket = { start, byRule: new Map() };
      this.buckets.push(bucket);
      this.prune();
    }
    bucket.byRule.set(rule, (bucket.byRule.get(rule) ?? 0) + 1);
  }

  /** Each rule's hits in the last minute (to the nearest five seconds). */
  lastMinute(): Record<string, number> {
    this.prune();
    const totals: Record<string, number> = {};
    for (const bucket of this.buckets) for (const [rule, n] of bucket.byRule) totals[rule] = (totals[rule] ?? 0) + n;
    return totals;
  }

  private prune(): void {
    const oldest = this.clock() - WINDOW_MS;
    while (this.buckets.length > 0 && this.buckets[0]!.start + BUCKET_MS <= oldest) this.buckets.shift();
  }
}
