import type { ClientNotification, Notification } from '@notify/contracts';
import type { InboxItem, InboxRepository } from '@notify/store';

export interface DeliverNotificationDeps {
  inbox: InboxRepository;
  /** Sends to every socket of the user, wherever they are connected. */
  emitToUser: (userId: string, notification: ClientNotification) => void;
  now?: () => Date;
}

export type DeliveryOutcome = 'delivered' | 'expired';

/**
 * Stores the notification in the user's inbox, then emits it. Stored first, so a client that was
 * offline (or missed the emit) finds it by cursor. A redelivered notification is stored once and
 * emitted again: the emit may be what the crash interrupted, and clients drop a notificationId they saw.
 */
export async function deliverNotification(deps: DeliverNotificationDeps, notification: Notification): Promise<DeliveryOutcome> {
  const now = deps.now?.() ?? new Date();
  if (notification.expiresAt && new Date(notification.expiresAt) <= now) return 'expired';
  const { item } = await deps.inbox.append({
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
  deps.emitToUser(notification.userId, toClientNotification(item));
  return 'delivered';
}

export function toClientNotification(item: InboxItem): ClientNotification {
  return {
    notificationId: item.notificationId,
    seq: item.seq,
    type: item.type,
    priority: item.priority,
    ...(item.category ? { category: item.category } : {}),
    content: item.content,
    createdAt: item.createdAt.toISOString(),
    state: item.state,
  };
}
