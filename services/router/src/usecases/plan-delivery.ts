import type { DeliveryStatus, Notification, NotificationContent, NotifyEvent } from '@notify/contracts';

export type DeliveryLane = 'inapp' | 'push.bulk';

export type DeliveryPlan =
  | { kind: 'deliver'; lane: DeliveryLane; notifications: Notification[] }
  | { kind: 'expired'; userIds: string[] }
  | { kind: 'unroutable'; reason: string };

/** How long an unacknowledged in-app notification waits before the push fallback (built-in default). */
export const DEFAULT_PUSH_FALLBACK_MS = 30_000;

/**
 * The built-in defaults, before any ops rule: marketing goes to the bulk push lane; everything else
 * goes in-app with a push fallback. One notification per recipient, with an id derived from the event
 * id and the user, so every later stage can deduplicate a redelivered event.
 */
export function planDelivery(event: NotifyEvent, now: Date): DeliveryPlan {
  const userIds = recipientsOf(event);
  if (!userIds) return { kind: 'unroutable', reason: `topic recipients ("${'topic' in event.to ? event.to.topic : ''}") need a topic registry, which this router does not have yet` };
  const expiresAt = event.ttl ? new Date(new Date(event.createdAt).getTime() + event.ttl * 1000) : undefined;
  if (expiresAt && expiresAt <= now) return { kind: 'expired', userIds };
  const priority = event.priority ?? 'transactional';
  const lane: DeliveryLane = priority === 'marketing' ? 'push.bulk' : 'inapp';
  const notifications = [...new Set(userIds)].map(
    (userId): Notification => ({
      version: 1,
      notificationId: notificationIdOf(event.id, userId),
      eventId: event.id,
      userId,
      type: event.type,
      priority,
      content: contentOf(event.payload),
      createdAt: event.createdAt,
      ...(event.category ? { category: event.category } : {}),
      ...(event.tenant ? { tenant: event.tenant } : {}),
      ...(event.collapseKey ? { collapseKey: event.collapseKey } : {}),
      ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
      ...(lane === 'inapp' ? { fallback: { channel: 'push' as const, afterMs: DEFAULT_PUSH_FALLBACK_MS } } : {}),
    }),
  );
  return { kind: 'deliver', lane, notifications };
}

export function notificationIdOf(eventId: string, userId: string): string {
  return `${eventId}:${userId}`;
}

/** The status events that record a plan, one per recipient. */
export function statusesOf(event: NotifyEvent, plan: DeliveryPlan, at: Date): DeliveryStatus[] {
  const base = { version: 1 as const, eventId: event.id, service: 'router', at: at.toISOString() };
  if (plan.kind === 'deliver') {
    return plan.notifications.map((n) => ({ ...base, notificationId: n.notificationId, userId: n.userId, status: 'routed', channel: plan.lane === 'inapp' ? 'inapp' : 'push' }));
  }
  if (plan.kind === 'expired') {
    return plan.userIds.map((userId) => ({ ...base, notificationId: notificationIdOf(event.id, userId), userId, status: 'expired', reason: `ttl of ${event.ttl}s passed before routing` }));
  }
  return [];
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
