import { describe, expect, it } from 'vitest';
import { DeliveryStatusV1, type Notification } from '@notify/contracts';
import type { Escalation, EscalationStep } from '@notify/store';
import { decideStep, escalatedStatus, escalationPush, ladderOf } from './escalation-ladder';

const t0 = new Date('2026-12-02T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const notification: Notification = {
  version: 1,
  notificationId: 'e1:alice',
  eventId: 'e1',
  userId: 'alice',
  type: 'payment.failed',
  priority: 'critical',
  category: 'billing',
  content: { title: 'Payment failed', body: 'Your card was declined', deepLink: 'app://billing', data: { orderId: 'o-1' } },
  createdAt: t0.toISOString(),
};
const steps: EscalationStep[] = [
  { afterMs: 60_000, unless: 'delivered', to: 'push' },
  { afterMs: 600_000, unless: 'read', to: 'webhook' },
];
const ladder = (next: number, extra: Partial<Escalation> = {}): Escalation => ({ ...ladderOf(notification, steps, { lane: 'default', partition: 2 }, 'urgent', t0), next, ...extra });
const none = { read: false, delivered: false };

describe('decideStep', () => {
  it('takes a step nobody reached, and moves to the next one, due afterMs after routing', () => {
    expect(decideStep(ladder(0), none, at(60_000))).toEqual({ kind: 'take', step: steps[0], index: 0, settlement: { notificationId: 'e1:alice', step: 0, nextDueAt: at(600_000) } });
  });

  it('ends the ladder after its last step is taken', () => {
    expect(decideStep(ladder(1), none, at(600_000))).toEqual({ kind: 'take', step: steps[1], index: 1, settlement: { notificationId: 'e1:alice', step: 1, end: 'completed' } });
  });

  it('ends the whole ladder when the notification was read, whatever the step waits for', () => {
    expect(decideStep(ladder(0), { read: true, delivered: true }, at(60_000))).toEqual({ kind: 'skip', index: 0, settlement: { notificationId: 'e1:alice', step: 0, end: 'read' } });
    expect(decideStep(ladder(1), { read: true, delivered: true }, at(600_000)).settlement).toEqual({ notificationId: 'e1:alice', step: 1, end: 'read' });
  });

  it('skips an "unless delivered" step of a delivered notification, and still chases the read', () => {
    expect(decideStep(ladder(0), { read: false, delivered: true }, at(60_000))).toEqual({ kind: 'skip', index: 0, settlement: { notificationId: 'e1:alice', step: 0, nextDueAt: at(600_000) } });
    // "Unless read": delivered is not enough.
    expect(decideStep(ladder(1), { read: false, delivered: true }, at(600_000)).kind).toBe('take');
  });

  it('ends with "delivered" when the skipped step was the last', () => {
    const one = ladder(0, { steps: [steps[0]!] });
    expect(decideStep(one, { read: false, delivered: true }, at(60_000)).settlement).toEqual({ notificationId: 'e1:alice', step: 0, end: 'delivered' });
  });

  it('ends an expired notification without escalating it', () => {
    const expiring = ladder(0, { notification: { ...notification, expiresAt: at(30_000).toISOString() } });
    expect(decideStep(expiring, none, at(60_000))).toEqual({ kind: 'skip', index: 0, settlement: { notificationId: 'e1:alice', step: 0, end: 'expired' } });
  });
});

describe('escalatedStatus', () => {
  it('is a valid status, stamped with the step’s due time, so a step sent again is the same status', () => {
    const status = escalatedStatus(ladder(0), 0);
    expect(DeliveryStatusV1.parse(status)).toEqual(status);
    expect(status).toEqual({
      version: 1,
      eventId: 'e1',
      eventType: 'payment.failed',
      notificationId: 'e1:alice',
      userId: 'alice',
      status: 'escalated',
      channel: 'push',
      reason: 'not delivered within 60 s: escalated to push',
      service: 'router',
      at: at(60_000).toISOString(),
      detail: { step: 1, steps: 2, afterMs: 60_000, unless: 'delivered', ruleId: 'urgent' },
    });
    expect(escalatedStatus(ladder(0), 0)).toEqual(status);
  });

  it('carries the notification to the webhook receiver: who, what, and where it links to', () => {
    const status = escalatedStatus(ladder(1), 1);
    expect(DeliveryStatusV1.parse(status)).toEqual(status);
    expect(status).toMatchObject({ channel: 'webhook', at: at(600_000).toISOString(), reason: 'not read within 600 s: escalated to webhook' });
    expect(status.detail).toEqual({
      step: 2,
      steps: 2,
      afterMs: 600_000,
      unless: 'read',
      ruleId: 'urgent',
      notification: { notificationId: 'e1:alice', eventId: 'e1', userId: 'alice', type: 'payment.failed', priority: 'critical', category: 'billing', title: 'Payment failed', body: 'Your card was declined', deepLink: 'app://billing', data: { orderId: 'o-1' }, createdAt: t0.toISOString() },
    });
  });
});

describe('ladderOf / escalationPush', () => {
  it('keeps the notification as routed in-app, without a push fallback, for the push step', () => {
    const withFallback: Notification = { ...notification, fallback: { channel: 'push', afterMs: 30_000 } };
    const started = ladderOf(withFallback, steps, { lane: 'bulk', partition: 5 }, null, t0);
    expect(started).toMatchObject({ notificationId: 'e1:alice', userId: 'alice', lane: 'bulk', partition: 5, ruleId: null, startedAt: t0, steps });
    expect(started.notification.fallback).toBeUndefined();
    expect(escalationPush({ notification: withFallback })).toEqual(notification);
  });
});
