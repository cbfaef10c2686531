import type { DeliveryStatus, Notification, NotificationContent, NotifyEvent } from '@notify/contracts';
import type { EffectiveOutcome } from '../rules/defaults';
import { collapseKeyOf } from './collapse-key';

export type DeliveryLane = 'inapp' | 'push.transactional' | 'push.bulk';

export type DeliveryPlan =
  | { kind: 'deliver'; lane: DeliveryLane; notifications: Notification[] }
  | { kind: 'expired'; userIds: string[] }
  | { kind: 'suppressed'; userIds: string[] }
  | { kind: 'unroutable'; reason: string };

/**
 * Turns an event and the outcome its rule (or the defaults) gave it into notifications on a lane.
 * One notification per recipient, with an id derived from the event id and the user, so every later
 * stage can deduplicate a redelivered event.
 */
export function planDelivery(event: NotifyEvent, outcome: EffectiveOutcome, now: Date): DeliveryPlan {
  const userIds = recipientsOf(event);
  if (!userIds) return { kind: 'unroutable', reason: `topic recipients ("${'topic' in event.to ? event.to.topic : ''}") are expanded into one event per member before routing` };
  if (outcome.suppress) return { kind: 'suppressed', userIds };
  const ttl = outcome.ttlSeconds ?? event.ttl;
  const expiresAt = ttl ? new Date(new Date(event.createdAt).getTime() + ttl * 1000) : undefined;
  if (expiresAt && expiresAt <= now) return { kind: 'expired', userIds };
  const lane = laneOf(outcome);
  const collapseKey = collapseKeyOf(outcome.collapseKey, event);
  const notifications = [...new Set(userIds)].map(
    (userId): Notification => ({
      version: 1,
      notificationId: notificationIdOf(event.id, userId),
      eventId: event.id,
      userId,
      type: event.type,
      priority: outcome.priority,
      content: contentOf(event.payload),
      createdAt: event.createdAt,
      ...(event.category ? { category: event.category } : {}),
      ...(event.tenant ? { tenant: event.tenant } : {}),
      ...(collapseKey ? { collapseKey } : {}),
      ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
      ...(event.push ? { push: event.push } : {}),
      ...(outcome.channels.mode === 'inapp_then_push' ? { fallback: { channel: 'push' as const, afterMs: outcome.channels.pushAfterMs } } : {}),
    }),
  );
  return { kind: 'deliver', lane, notifications };
}

function laneOf(outcome: EffectiveOutcome): DeliveryLane {
  if (outcome.channels.mode !== 'push_only') return 'inapp';
  return outcome.batching || outcome.priority === 'marketing' ? 'push.bulk' : 'push.transactional';
}

export function notificationIdOf(eventId: string, userId: string): string {
  return `${eventId}:${userId}`;
}

/** The status of a notification put on a delivery lane. */
export function routedStatus(n: Notification, lane: DeliveryLane, at: Date, ruleId: string | null): DeliveryStatus {
  return { version: 1, eventId: n.eventId, eventType: n.type, notificationId: n.notificationId, userId: n.userId, status: 'routed', channel: lane === 'inapp' ? 'inapp' : 'push', service: 'router', at: at.toISOString(), ...(ruleId ? { detail: { ruleId } } : {}) };
}

/** The status events that record a plan, one per recipient; `ruleId` says which rule decided. */
export function statusesOf(event: NotifyEvent, plan: DeliveryPlan, at: Date, ruleId: string | null = null): DeliveryStatus[] {
  const base = { version: 1 as const, eventId: event.id, eventType: event.type, service: 'router', at: at.toISOString(), ...(ruleId ? { detail: { ruleId } } : {}) };
  const each = (userIds: string[], status: DeliveryStatus['status'], reason: string) =>
    userIds.map((userId): DeliveryStatus => ({ ...base, notificationId: notificationIdOf(event.id, userId), userId, status, reason }));
  switch (plan.kind) {
    case 'deliver':
      return plan.notifications.map((n) => routedStatus(n, plan.lane, at, ruleId));
    case 'expired':
      return each(plan.userIds, 'expired', `ttl passed before routing`);
    case 'suppressed':
      return each(plan.userIds, 'suppressed', `suppressed by rule ${ruleId}`);
    case 'unroutable':
      return [];
  }
}

function recipientsOf(event: NotifyEvent): string[] | undefined {
  if ('userId' in event.to) return [event.to.userId];
  if ('userIds' in event.to) return event.to.userIds;
  return undefined;
}

/** title, body and deepLink come from the payload when they are strings; the whole payload travels as data. */
function contentOf(payload: Record<string, unknown>): NotificationContent {
  const text = (key: string) => (typeof payload[key] === 'string' ? { [key]: payload[key] as string } : {});
  return { ...text('title'), ...text('body'), ...text('deepLink'), data: payload };
}
