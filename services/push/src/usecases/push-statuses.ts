import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { Bus } from '@notify/bus';
import type { PushLane } from '../senders/push-sender';

/** A notification's push status, as delivery.status carries it. */
export function statusOf(notification: Notification, now: () => Date, s: DeliveryStatus['status'], extra: Partial<DeliveryStatus> = {}): DeliveryStatus {
  return { version: 1, notificationId: notification.notificationId, eventId: notification.eventId, eventType: notification.type, userId: notification.userId, status: s, channel: 'push', service: 'push', at: now().toISOString(), ...extra };
}

/** Writes statuses on delivery.status, on the bulk producer for the bulk lane. */
export function publishStatuses(bus: Bus, lane: PushLane, statuses: readonly DeliveryStatus[]): Promise<void> {
  if (statuses.length === 0) return Promise.resolve();
  return bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: lane === 'bulk' ? 'bulk' : 'default' });
}
