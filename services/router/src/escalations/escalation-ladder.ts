import type { DeliveryStatus, Notification } from '@notify/contracts';
import { stepDueAt, type Escalation, type EscalationSettlement, type EscalationStep, type NewEscalation } from '@notify/store';

/** Where the notification stands when a step is due, from the store (its inbox item's state). */
export interface ReachedStates {
  read: boolean;
  delivered: boolean;
}

/** What the owner of a ladder does with its due step. */
export type StepDecision =
  /** Take the step (push, or webhook), then move on or end. */
  | { kind: 'take'; step: EscalationStep; index: number; settlement: EscalationSettlement }
  /** The user got there first (`unless` reached) or the notification expired: nothing is sent for this step. */
  | { kind: 'skip'; index: number; settlement: EscalationSettlement };

/**
 * Decides a due step of a ladder: read on any device ends the whole ladder; a step "unless delivered"
 * whose notification was delivered (not read) is skipped and the ladder goes on to its next step;
 * an expired notification ends it; otherwise the step is taken. Pure: the caller read the states.
 */
export function decideStep(ladder: Pick<Escalation, 'notificationId' | 'steps' | 'next' | 'startedAt' | 'notification'>, reached: ReachedStates, now: Date): StepDecision {
  const index = ladder.next;
  const step = ladder.steps[index]!;
  const base = { notificationId: ladder.notificationId, step: index };
  const following = ladder.steps[index + 1];
  const onwards = (end: 'delivered' | 'completed'): EscalationSettlement => (following ? { ...base, nextDueAt: stepDueAt(ladder.startedAt, following) } : { ...base, end });
  if (reached.read) return { kind: 'skip', index, settlement: { ...base, end: 'read' } };
  const expiresAt = ladder.notification.expiresAt;
  if (expiresAt && new Date(expiresAt) <= now) return { kind: 'skip', index, settlement: { ...base, end: 'expired' } };
  if (step.unless === 'delivered' && reached.delivered) return { kind: 'skip', index, settlement: onwards('delivered') };
  return { kind: 'take', step, index, settlement: onwards('completed') };
}

/** The ladder a notification routed in-app starts, swept by the owner of `partition` of the intake `lane`. */
export function ladderOf(notification: Notification, steps: readonly EscalationStep[], where: { lane: Escalation['lane']; partition: number }, ruleId: string | null, now: Date): NewEscalation {
  const { fallback: _none, ...routed } = notification;
  return { notificationId: notification.notificationId, userId: notification.userId, lane: where.lane, partition: where.partition, ruleId, steps: [...steps], startedAt: now, notification: routed };
}

/** The push a ladder's push step sends: the notification as routed in-app, without a fallback. */
export function escalationPush(ladder: Pick<Escalation, 'notification'>): Notification {
  const { fallback: _none, ...push } = ladder.notification;
  return push;
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * The `escalated` step on the trail. It is stamped with the step's due time, not the moment it was
 * sent, so a step sent again by the next owner after a crash is the very same status (one webhook
 * delivery id, one step). A webhook step carries the notification, for the receiver to send as SMS
 * or email: who (userId), what (title, body, deepLink, data), and why now.
 */
export function escalatedStatus(ladder: Pick<Escalation, 'notification' | 'ruleId' | 'startedAt' | 'steps'>, index: number): DeliveryStatus {
  const n = ladder.notification;
  const step = ladder.steps[index]!;
  const detail: Record<string, unknown> = { step: index + 1, steps: ladder.steps.length, afterMs: step.afterMs, unless: step.unless, ...(ladder.ruleId ? { ruleId: ladder.ruleId } : {}) };
  if (step.to === 'webhook') {
    detail.notification = {
      notificationId: n.notificationId,
      eventId: n.eventId,
      userId: n.userId,
      type: n.type,
      priority: n.priority,
      ...(n.category ? { category: n.category } : {}),
      ...(n.tenant ? { tenant: n.tenant } : {}),
      ...(n.content.title ? { title: n.content.title } : {}),
      ...(n.content.body ? { body: n.content.body } : {}),
      ...(n.content.deepLink ? { deepLink: n.content.deepLink } : {}),
      data: n.content.data,
      createdAt: n.createdAt,
    };
  }
  return {
    version: 1,
    eventId: n.eventId,
    eventType: n.type,
    notificationId: n.notificationId,
    userId: n.userId,
    status: 'escalated',
    channel: step.to,
    reason: `not ${step.unless} within ${seconds(step.afterMs)}: escalated to ${step.to}`,
    service: 'router',
    at: stepDueAt(ladder.startedAt, step).toISOString(),
    detail,
  };
}
