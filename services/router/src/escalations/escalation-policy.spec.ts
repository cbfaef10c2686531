import { describe, expect, it } from 'vitest';
import { describeIssues, type NotifyEvent } from '@notify/contracts';
import { RuleSet } from '../rules/compile';
import { RuleDefinition } from '../rules/rule-definition';
import { planDelivery } from '../usecases/plan-delivery';

const ladder = { steps: [{ afterMs: 60_000, to: 'push' }, { afterMs: 600_000, unless: 'read', to: 'webhook' }] };
const problems = (outcome: Record<string, unknown>) => {
  const parsed = RuleDefinition.safeParse({ match: { types: ['payment.*'] }, outcome });
  return parsed.success ? null : describeIssues(parsed.error);
};

describe('escalation in a rule outcome', () => {
  it('accepts a ladder, "unless" defaulting to read', () => {
    const parsed = RuleDefinition.parse({ match: { types: ['payment.*'] }, outcome: { priority: 'critical', escalation: ladder } });
    expect(parsed.outcome.escalation!.steps).toEqual([
      { afterMs: 60_000, unless: 'read', to: 'push' },
      { afterMs: 600_000, unless: 'read', to: 'webhook' },
    ]);
    expect(problems({ channels: { mode: 'inapp_only' }, escalation: { steps: [{ afterMs: 1000, unless: 'delivered', to: 'webhook' }] } })).toBeNull();
  });

  it('refuses steps out of order, out of bounds, a second push, or none', () => {
    expect(problems({ escalation: { steps: [{ afterMs: 600_000, to: 'push' }, { afterMs: 60_000, to: 'webhook' }] } })).toMatch(/each step comes after the one before it: 60000 ms is not after 600000 ms/);
    expect(problems({ escalation: { steps: [{ afterMs: 60_000, to: 'push' }, { afterMs: 60_000, to: 'webhook' }] } })).toMatch(/not after/);
    expect(problems({ escalation: { steps: [{ afterMs: 999, to: 'push' }] } })).toMatch(/^outcome\.escalation\.steps\.0\.afterMs: /);
    expect(problems({ escalation: { steps: [{ afterMs: 8 * 86_400_000, to: 'push' }] } })).toMatch(/^outcome\.escalation\.steps\.0\.afterMs: /);
    expect(problems({ escalation: { steps: [{ afterMs: 1000, to: 'push' }, { afterMs: 2000, to: 'push' }] } })).toMatch(/one push step at most/);
    expect(problems({ escalation: { steps: [] } })).toMatch(/^outcome\.escalation\.steps: /);
    expect(problems({ escalation: { steps: [{ afterMs: 1000, to: 'sms' }] } })).toMatch(/^outcome\.escalation\.steps\.0\.to: /);
    expect(problems({ escalation: { steps: [{ afterMs: 1000, to: 'push', unless: 'seen' }] } })).toMatch(/^outcome\.escalation\.steps\.0\.unless: /);
  });

  it('refuses what a ladder cannot go with: a push fallback, push only, a digest, marketing', () => {
    expect(problems({ channels: { mode: 'inapp_then_push' }, escalation: ladder })).toMatch(/takes the place of the push fallback/);
    expect(problems({ channels: { mode: 'push_only' }, escalation: ladder })).toMatch(/starts in-app/);
    expect(problems({ batching: { windowMs: 60_000, maxItems: 5, title: 'x' }, escalation: ladder })).toMatch(/digest is not escalated/);
    expect(problems({ priority: 'marketing', escalation: ladder })).toMatch(/marketing is never escalated/);
  });

  it('routes in-app only, with no push fallback: the ladder takes its place', () => {
    const rules = RuleSet.compile([{ ruleId: 'urgent', name: 'urgent', enabled: true, order: 1, definition: { match: { types: ['payment.*'] }, outcome: { priority: 'critical', escalation: ladder } }, revision: 1, createdAt: new Date(), updatedAt: new Date(), updatedBy: 'ops' }]);
    const event: NotifyEvent = { version: 1, id: 'e1', type: 'payment.failed', to: { userId: 'alice' }, payload: { title: 'Payment failed' }, createdAt: new Date().toISOString() };
    const { outcome } = rules.evaluate(event);
    expect(outcome.channels).toEqual({ mode: 'inapp_only', pushAfterMs: 0 });
    expect(outcome.escalation).toEqual([
      { afterMs: 60_000, unless: 'read', to: 'push' },
      { afterMs: 600_000, unless: 'read', to: 'webhook' },
    ]);
    const plan = planDelivery(event, outcome, new Date());
    expect(plan).toMatchObject({ kind: 'deliver', lane: 'inapp' });
    expect(plan.kind === 'deliver' && plan.notifications[0]!.fallback).toBeUndefined();
  });
});
