import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from '@notify/contracts';
import type { Rule } from '@notify/store';
import { RuleSet } from './compile';
import { DEFAULT_MARKETING_BATCHING, DEFAULT_PUSH_AFTER_MS } from './defaults';
import { RuleDefinition } from './rule-definition';

let revision = 0;
const rule = (ruleId: string, order: number, definition: unknown, enabled = true): Rule => ({
  ruleId,
  name: `rule ${ruleId}`,
  enabled,
  order,
  definition: definition as Record<string, unknown>,
  revision: ++revision,
  createdAt: new Date(),
  updatedAt: new Date(),
  updatedBy: 'ops',
});

const event = (extra: Partial<NotifyEvent> = {}): NotifyEvent => ({ version: 1, id: 'e', type: 'payment.succeeded', to: { userId: 'u' }, payload: { amount: 120, shop: { id: 's1' } }, createdAt: '2026-11-25T10:00:00Z', ...extra });

describe('RuleSet', () => {
  it('falls back to the built-in defaults: transactional in-app with push fallback, marketing batched to push', () => {
    const rules = RuleSet.empty();
    expect(rules.evaluate(event())).toEqual({ ruleId: null, revision: null, outcome: expect.objectContaining({ priority: 'transactional', channels: { mode: 'inapp_then_push', pushAfterMs: DEFAULT_PUSH_AFTER_MS }, quietHours: 'hold' }) });
    expect(rules.evaluate(event({ priority: 'marketing' })).outcome).toMatchObject({ channels: { mode: 'push_only' }, batching: DEFAULT_MARKETING_BATCHING, quietHours: 'hold' });
    expect(rules.evaluate(event({ priority: 'critical' })).outcome.quietHours).toBe('deliver');
  });

  it('matches on type wildcards, category, tenant, priority and payload fields; the first rule by order decides', () => {
    const rules = RuleSet.compile([
      rule('big-payments', 20, { match: { types: ['payment.*'], payload: [{ path: 'amount', op: 'gte', value: 100 }] }, outcome: { priority: 'critical', ignoreOptOut: true } }),
      rule('payments', 30, { match: { types: ['payment.*'] }, outcome: { channels: { mode: 'push_only' } } }),
      rule('shop-s1-offers', 10, { match: { categories: ['offers'], tenants: ['shop'], payload: [{ path: 'shop.id', op: 'in', value: ['s1', 's2'] }] }, outcome: { batching: { windowMs: 60_000, maxItems: 5, title: '{{count}} offers' } } }),
      rule('everything', 99, { match: {}, outcome: { ttlSeconds: 3600 } }),
    ]);
    expect(rules.evaluate(event())).toMatchObject({ ruleId: 'big-payments', outcome: { priority: 'critical', ignoreOptOut: true, quietHours: 'deliver' } });
    expect(rules.evaluate(event({ payload: { amount: 5 } }))).toMatchObject({ ruleId: 'payments', outcome: { channels: { mode: 'push_only', pushAfterMs: 0 } } });
    expect(rules.evaluate(event({ type: 'promo.weekly', category: 'offers', tenant: 'shop' }))).toMatchObject({ ruleId: 'shop-s1-offers', outcome: { channels: { mode: 'push_only' }, batching: { maxItems: 5 } } });
    expect(rules.evaluate(event({ type: 'promo.weekly', category: 'offers', tenant: 'other' }))).toMatchObject({ ruleId: 'everything', outcome: { ttlSeconds: 3600 } });
    expect(rules.evaluate(event({ type: 'paymentX' }))).toMatchObject({ ruleId: 'everything' });
  });

  it('skips disabled rules and stored rules that no longer validate, saying why', () => {
    const rules = RuleSet.compile([rule('off', 1, { match: {}, outcome: { suppress: true } }, false), rule('broken', 2, { match: { types: ['bad type'] }, outcome: {} }), rule('ok', 3, { match: {}, outcome: { collapseKey: 'k' } })]);
    expect(rules.size).toBe(1);
    expect(rules.evaluate(event())).toMatchObject({ ruleId: 'ok', outcome: { collapseKey: 'k', suppress: false } });
    expect(rules.skipped).toEqual([
      { ruleId: 'off', name: 'rule off', why: 'disabled' },
      { ruleId: 'broken', name: 'rule broken', why: expect.stringContaining('match.types.0') },
    ]);
  });

  it('explains a dry run: which rule decides, and why each other rule did or did not', () => {
    const rules = RuleSet.compile([
      rule('otp', 1, { match: { types: ['auth.otp'] }, outcome: { priority: 'critical' } }),
      rule('payments', 2, { match: { types: ['payment.*'] }, outcome: { channels: { mode: 'push_only' } } }),
      rule('all', 3, { match: {}, outcome: {} }),
    ]);
    const explanation = rules.explain(event());
    expect(explanation).toMatchObject({ ruleId: 'payments', ruleName: 'rule payments', outcome: { channels: { mode: 'push_only' } } });
    expect(explanation.considered).toEqual([
      { ruleId: 'otp', name: 'rule otp', order: 1, matched: false, why: 'type is auth.otp does not hold' },
      { ruleId: 'payments', name: 'rule payments', order: 2, matched: true, why: 'type is payment.*' },
      { ruleId: 'all', name: 'rule all', order: 3, matched: false, why: 'matches, but rule payments comes first' },
    ]);
    expect(rules.explain(event()).outcome).toEqual(rules.evaluate(event()).outcome);
  });
});

describe('RuleDefinition validation', () => {
  const problems = (definition: unknown) => {
    const parsed = RuleDefinition.safeParse(definition);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('says what is wrong, where', () => {
    expect(problems({ match: { payload: [{ path: 'amount', op: 'gt', value: 'ten' }] }, outcome: {} })).toEqual(['match.payload.0.value: "gt" takes a number']);
    expect(problems({ match: {}, outcome: { ignoreOptOut: true } })).toEqual(['outcome.ignoreOptOut: only a rule that makes events critical may ignore opt-outs']);
    expect(problems({ match: {}, outcome: { batching: { windowMs: 60_000, maxItems: 3, title: 't' }, channels: { mode: 'inapp_only' } } })).toEqual([
      'outcome.channels.mode: batched digests are sent as push: use channels.mode "push_only" or leave channels out',
    ]);
    expect(problems({ match: {}, outcome: { batching: { windowMs: 60_000, maxItems: 3, title: 't', sendAt: '9am' } } })).toEqual(['outcome.batching.sendAt: HH:MM, 24-hour, or "best"']);
    expect(problems({ match: { typo: 1 }, outcome: {} })[0]).toContain('match');
  });
});
