import type { Bus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { AppendResult, InboxRepository, NewInboxItem } from '@notify/store';
import { toFeedNotification, type FeedNotification } from '../connections/client-notification';
import type { FallbackTimers } from '../fallback/fallback-timers';
import type { RelayMessage } from '../relay/relay-message';
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
 * In-app notifications from deliver.inapp, a batch at a time: stored in the inbox first with one
 * write (so a client that is away finds them by cursor), then handed to every connection of each
 * user, wherever it is, one hand-over per user with the unread count's change, then one write of
 * their status events. A redelivered notification is stored once and handed over again (the
 * hand-over may be what a crash interrupted); feeds drop a seq their client already has. Results
 * are in the order of `notifications`.
 */
export async function deliverNotifications(deps: DeliverNotificationDeps, notifications: readonly Notification[]): Promise<DeliveryOutcome[]> {
  const now = deps.now?.() ?? new Date();
  const outcomes: DeliveryOutcome[] = notifications.map(() => 'expired');
  const statuses: DeliveryStatus[] = [];
  const live: number[] = [];
  notifications.forEach((n, index) => {
    if (n.expiresAt && new Date(n.expiresAt) <= now) statuses.push(statusOf(n, 'expired', now, deps.gatewayId, { reason: 'expired before it reached the gateway' }));
    else live.push(index);
  });

  const stored = live.length > 0 ? await deps.inbox.appendMany(live.map((i) => inboxItemOf(notifications[i]!))) : [];
  const delivered = live.map((index, k) => ({ index, notification: notifications[index]!, result: stored[k]! }));
  // Timers before the hand-over, so an ack that comes straight back finds its timer to cancel.
  for (const { notification, result } of delivered) scheduleFallback(deps, notification, result);

  const reached = await handOver(deps, delivered);
  for (const { index, notification, result } of delivered) {
    const { local, remote } = reached.get(notification.userId) ?? { local: 0, remote: [] };
    const online = local > 0 || remote.length > 0;
    outcomes[index] = online ? 'sent' : 'stored';
    if (result.created) statuses.push(statusOf(notification, 'sent', now, deps.gatewayId, { detail: { seq: result.item.seq, online, localConnections: local, gateways: remote } }));
  }
  await publishStatus(deps.bus, ...statuses);
  return outcomes;
}

/** One notification: a batch of one. */
export async function deliverNotification(deps: DeliverNotificationDeps, notification: Notification): Promise<DeliveryOutcome> {
  return (await deliverNotifications(deps, [notification]))[0]!;
}

/** Each user's notifications of the batch, in order, to every connection of the user; what each user reached. */
async function handOver(deps: DeliverNotificationDeps, delivered: ReadonlyArray<{ notification: Notification; result: AppendResult }>): Promise<Map<string, { local: number; remote: string[] }>> {
  const messages = new Map<string, RelayMessage & { notifications: FeedNotification[] }>();
  // Each user's first new notification of the batch, when the inbox did not say what came before it.
  const unplaced = new Map<string, FeedNotification>();
  for (const { notification, result } of delivered) {
    const { userId } = notification;
    if (!deps.fanOut.isReachable(userId)) continue;
    let message = messages.get(userId);
    if (!message) messages.set(userId, (message = { userId, notifications: [], unreadDelta: 0 }));
    const handed: FeedNotification = toFeedNotification(result.item);
    if (result.created) {
      if (result.previousSeq !== undefined) handed.previousSeq = result.previousSeq;
      else if (message.unreadDelta === 0) unplaced.set(userId, handed);
      message.unreadDelta! += 1;
    }
    message.notifications.push(handed);
  }
  // One read per such user, not one per connection: without it, each feed of the user would read
  // the inbox to fill what looks like a gap (a user's numbers start from the clock in a new process).
  await Promise.all([...unplaced].map(async ([userId, first]) => (first.previousSeq = await deps.inbox.newestSeq(userId, first.seq))));
  return deps.fanOut.sendMany([...messages.values()]);
}

function scheduleFallback(deps: DeliverNotificationDeps, notification: Notification, { item }: AppendResult): void {
  if (!notification.fallback || item.state !== 'sent') return;
  const { fallback, ...asPush } = notification;
  deps.fallbacks.schedule(notification.notificationId, fallback.afterMs, () => pushIfUnacknowledged(deps, asPush, fallback.afterMs));
}

/**
 * The fallback: no device acknowledged it within the rule's window, so it goes out as a push. The
 * inbox's state marks decide, wherever the ack was taken: a notification with an ack is never pushed.
 */
async function pushIfUnacknowledged(deps: DeliverNotificationDeps, notification: Notification, afterMs: number): Promise<void> {
  const acknowledged = await deps.inbox.reached(notification.userId, [notification.notificationId], 'delivered');
  if (acknowledged.size > 0) return;
  await deps.bus.publish(topics.deliverPushTransactional, [{ value: notification }]);
  await publishStatus(deps.bus, statusOf(notification, 'routed', deps.now?.() ?? new Date(), deps.gatewayId, { channel: 'push', reason: `not acknowledged within ${afterMs} ms: push fallback` }));
}

function inboxItemOf(notification: Notification): NewInboxItem {
  return {
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
  };
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
