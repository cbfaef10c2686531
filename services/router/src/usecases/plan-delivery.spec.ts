import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from '@notify/contracts';
import { DEFAULT_PUSH_AFTER_MS, defaultOutcome } from '../rules/defaults';
import { planDelivery as planWith, statusesOf } from './plan-delivery';

const planDelivery = (e: NotifyEvent, at: Date) => planWith(e, defaultOutcome(e), at);

const now = new Date('2026-11-25T10:00:30Z');
const event = (extra: Partial<NotifyEvent> = {}): NotifyEvent => ({
  version: 1,
  id: 'evt-1',
  type: 'chat.message',
  to: { userIds: ['alice', 'bob', 'alice'] },
  payload: { title: 'New message', body: 'hi', deepLink: 'app://chat/1', unread: 3, nested: { a: 1 } },
  createdAt: '2026-11-25T10:00:00Z',
  ...extra,
});

describe('planDelivery (built-in defaults)', () => {
  it('sends transactional events in-app with a push fallback, one notification per distinct recipient', () => {
    const plan = planDelivery(event(), now);
    expect(plan.kind).toBe('deliver');
    if (plan.kind !== 'deliver') return;
    expect(plan.lane).toBe('inapp');
    expect(plan.notifications.map((n) => n.notificationId)).toEqual(['evt-1:alice', 'evt-1:bob']);
    expect(plan.notifications[0]).toMatchObject({
      priority: 'transactional',
      fallback: { channel: 'push', afterMs: DEFAULT_PUSH_AFTER_MS },
      content: { title: 'New message', body: 'hi', deepLink: 'app://chat/1', data: { unread: 3, nested: { a: 1 } } },
    });
  });

  it('fills a rule’s collapse key template from the event’s payload, one key per ride; no key when the payload lacks the value', () => {
    const outcome = { ...defaultOutcome(event()), collapseKey: 'ride:{{payload.rideId}}' };
    const keys = (e: NotifyEvent) => {
      const plan = planWith(e, outcome, now);
      return plan.kind === 'deliver' ? plan.notifications.map((n) => n.collapseKey) : [];
    };
    expect(keys(event({ to: { userId: 'alice' }, payload: { title: 'Your driver is 3 minutes away', rideId: 7731 } }))).toEqual(['ride:7731']);
    expect(keys(event({ to: { userId: 'alice' } }))).toEqual([undefined]);
  });

  it('follows a rule outcome: push only goes to the transactional push lane, suppress drops with a status', () => {
    const outcome = { ...defaultOutcome(event()), channels: { mode: 'push_only' as const, pushAfterMs: 0 } };
    expect(planWith(event({ to: { userId: 'alice' } }), outcome, now)).toMatchObject({ kind: 'deliver', lane: 'push.transactional' });
    const suppressed = planWith(event({ to: { userId: 'alice' } }), { ...outcome, suppress: true }, now);
    expect(suppressed).toEqual({ kind: 'suppressed', userIds: ['alice'] });
    expect(statusesOf(event(), suppressed, now, 'quiet-incident')[0]).toMatchObject({ status: 'suppressed', reason: 'suppressed by rule quiet-incident', detail: { ruleId: 'quiet-incident' } });
  });

  it('sends marketing to the bulk push lane', () => {
    const plan = planDelivery(event({ priority: 'marketing', to: { userId: 'alice' } }), now);
    expect(plan).toMatchObject({ kind: 'deliver', lane: 'push.bulk' });
    if (plan.kind === 'deliver') expect(plan.notifications[0]!.fallback).toBeUndefined();
  });

  it('drops an event whose ttl has passed, and records why', () => {
    const expired = event({ ttl: 20 });
    const plan = planDelivery(expired, now);
    expect(plan).toEqual({ kind: 'expired', userIds: ['alice', 'bob', 'alice'] });
    expect(statusesOf(expired, plan, now)[0]).toMatchObject({ status: 'expired', notificationId: 'evt-1:alice', reason: 'ttl passed before routing' });
  });

  it('carries the ttl on as an absolute expiry', () => {
    const plan = planDelivery(event({ ttl: 60 }), now);
    if (plan.kind === 'deliver') expect(plan.notifications[0]!.expiresAt).toBe('2026-11-25T10:01:00.000Z');
    else expect.fail('expected a delivery');
  });

  it('says a topic recipient cannot be routed yet', () => {
    expect(planDelivery(event({ to: { topic: 'followers:x' } }), now)).toMatchObject({ kind: 'unroutable', reason: expect.stringContaining('followers:x') });
  });
});
