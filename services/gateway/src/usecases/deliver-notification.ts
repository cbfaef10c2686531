import type { Bus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { InboxRepository } from '@notify/store';
import { toClientNotification } from '../connections/client-notification';
import type { FallbackTimers } from '../fallback/fallback-timers';
import type { UserFanOut } from '../relay/user-fan-out';

export interface DeliverNotificationDeps {
  bus: Bus;
  inbox: InboxRepository;
  fanOut: UserFanOut;
  fallbacks: FallbackTimers;
  gatewayId: string;
  now?: () => Date;
}

export type DeliveryOutcome = 'sent' | 'stored' | 'expired';

/**
 * One in-app notification from deliver.inapp: stored in the inbox first (so a client that is away
 * finds it by cursor), then handed to every connection of the user, wherever it is, with the new
 * unread count. A redelivered notification is stored once and handed over again (the hand-over may
 * be what a crash interrupted); feeds drop a seq their client already has. The unread count travels
 * as +1, applied by the gateways that hold the user: no count query per notification.
 */
export async function deliverNotification(deps: DeliverNotificationDeps, notification: Notification): Promise<DeliveryOutcome> {
  const now = deps.now?.() ?? new Date();
  if (notification.expiresAt && new Date(notification.expiresAt) <= now) {
    await publishStatus(deps.bus, statusOf(notification, 'expired', now, deps.gatewayId, { reason: 'expired before it reached the gateway' }));
    return 'expired';
  }
  const { item, created } = await deps.inbox.append({
    notificationId: notification.notificationId,
    userId: notification.userId,
    eventId: notification.eventId,
    type: notification.type,
    priority: notification.priority,
    content: notification.content,
    createdAt: new Date(notification.createdAt),
    ...(notification.category ? { category: notification.category } : {}),
    ...(notification.tenant ? { tenant: notification.tenant } : {}),
    ...(notification.collapseKey ? { collapseKey: notification.collapseKey } : {}),
    ...(notification.expiresAt ? { expiresAt: new Date(notification.expiresAt) } : {}),
  });

  let reached: { local: number; remote: string[] } = { local: 0, remote: [] };
  if (deps.fanOut.isReachable(notification.userId)) {
    reached = await deps.fanOut.send({ userId: notification.userId, notifications: [toClientNotification(item)], unreadDelta: created ? 1 : 0 });
  }
  const online = reached.local > 0 || reached.remote.length > 0;
  if (created) {
    await publishStatus(deps.bus, statusOf(notification, 'sent', now, deps.gatewayId, { detail: { seq: item.seq, online, localConnections: reached.local, gateways: reached.remote } }));
  }
  if (notification.fallback && item.state === 'sent') {
    const { fallback, ...asPush } = notification;
    deps.fallbacks.schedule(notification.notificationId, fallback.afterMs, () => pushIfUnacknowledged(deps, asPush, fallback.afterMs));
  }
  return online ? 'sent' : 'stored';
}

/** The fallback: still `sent` (no device acknowledged it) after the rule's window, so it goes out as a push. */
async function pushIfUnacknowledged(deps: DeliverNotificationDeps, notification: Notification, afterMs: number): Promise<void> {
  const item = await deps.inbox.get(notification.userId, notification.notificationId);
  if (!item || item.state !== 'sent') return;
  await deps.bus.publish(topics.deliverPushTransactional, [{ value: notification }]);
  await publishStatus(deps.bus, statusOf(notification, 'routed', deps.now?.() ?? new Date(), deps.gatewayId, { channel: 'push', reason: `not acknowledged within ${afterMs} ms: push fallback` }));
}

export function statusOf(
  n: Pick<Notification, 'notificationId' | 'eventId' | 'userId'>,
  status: DeliveryStatus['status'],
  at: Date,
  gatewayId: string,
  extra: { channel?: DeliveryStatus['channel']; reason?: string; detail?: Record<string, unknown> } = {},
): DeliveryStatus {
  return { version: 1, notificationId: n.notificationId, eventId: n.eventId, userId: n.userId, status, channel: extra.channel ?? 'inapp', service: 'gateway', at: at.toISOString(), ...(extra.reason ? { reason: extra.reason } : {}), detail: { gatewayId, ...extra.detail } };
}

export function publishStatus(bus: Bus, ...statuses: DeliveryStatus[]): Promise<void> {
  return statuses.length === 0 ? Promise.resolve() : bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })));
}
