import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@notify/observability';
import { RuleHits } from './rule-hits';

describe('rule hits', () => {
  it('counts on /metrics by rule and outcome, and over the last minute for the console', async () => {
    let now = 1_000_000;
    const registry = createMetricsRegistry('t', { processMetrics: false });
    const hits = new RuleHits(registry, () => now);
    hits.hit('otp', 'deliver');
    hits.hit('otp', 'deliver');
    hits.hit(null, 'expired');
    const text = await registry.metrics();
    expect(text).toContain('notify_rule_hits_total{rule="otp",outcome="deliver",service="t"} 2');
    expect(text).toContain('notify_rule_hits_total{rule="(defaults)",outcome="expired",service="t"} 1');
    expect(hits.lastMinute()).toEqual({ otp: 2, '(defaults)': 1 });
    now += 30_000;
    hits.hit('otp', 'suppressed');
    expect(hits.lastMinute()).toEqual({ otp: 3, '(defaults)': 1 });
    // A minute on, the first hits left the window; the counter keeps them.
    now += 35_000;
    expect(hits.lastMinute()).toEqual({ otp: 1 });
    now += 60_000;
    expect(hits.lastMinute()).toEqual({});
    expect(await registry.metrics()).toContain('notify_rule_hits_total{rule="otp",outcome="suppressed",service="t"} 1');
  });
});
