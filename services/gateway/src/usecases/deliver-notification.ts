import type { Bus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { AppendResult, InboxRepository, NewInboxItem } from '@notify/store';
import { toFeedNotification, type FeedNotification } from '../connections/client-notification';
import type { RelayMessage } from '../relay/relay-message';
import type { UserFanOut } from '../relay/user-fan-out';

export interface DeliverNotificationDeps {
  bus: Bus;
  inbox: InboxRepository;
  fanOut: UserFanOut;
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
 *
 * A push fallback is stored with its item, due `afterMs` from now, under `partition` (the one of
 * deliver.inapp the batch came from): whichever gateway holds that partition when it is due pushes
 * it, unless a device acknowledged it (see push-due-fallbacks.ts).
 */
export async function deliverNotifications(deps: DeliverNotificationDeps, notifications: readonly Notification[], partition: number): Promise<DeliveryOutcome[]> {
  const now = deps.now?.() ?? new Date();
  const outcomes: DeliveryOutcome[] = notifications.map(() => 'expired');
  const statuses: DeliveryStatus[] = [];
  const live: number[] = [];
  notifications.forEach((n, index) => {
    if (n.expiresAt && new Date(n.expiresAt) <= now) statuses.push(statusOf(n, 'expired', now, deps.gatewayId, { reason: 'expired before it reached the gateway' }));
    else live.push(index);
  });

  const stored = live.length > 0 ? await deps.inbox.appendMany(live.map((i) => inboxItemOf(notifications[i]!, partition, now))) : [];
  const delivered = live.map((index, k) => ({ index, notification: notifications[index]!, result: stored[k]! }));

  const reached = await handOver(deps, delivered);
  for (const { index, notification, result } of delivered) {
    const { local, remote } = reached.get(notification.userId) ?? { local: 0, remote: [] };
    const online = local > 0 || remote.length > 0;
    outcomes[index] = online ? 'sent' : 'stored';
    const supersedes = result.item.supersedes === undefined ? {} : { supersedes: result.item.supersedes };
    if (result.created) statuses.push(statusOf(notification, 'sent', now, deps.gatewayId, { detail: { seq: result.item.seq, online, localConnections: local, gateways: remote, ...supersedes } }));
    // Each replaced item's trail says what replaced it, once: only the call that replaced it reports it.
    for (const replaced of result.superseded ?? []) {
      statuses.push(statusOf(replaced, 'superseded', now, deps.gatewayId, { reason: `replaced by ${replaced.supersededBy} (same collapse key, not yet read)`, detail: { supersededBy: replaced.supersededBy, collapseKey: replaced.collapseKey } }));
    }
  }
  await publishStatus(deps.bus, ...statuses);
  return outcomes;
}

/** One notification: a batch of one. */
export async function deliverNotification(deps: DeliverNotificationDeps, notification: Notification, partition: number): Promise<DeliveryOutcome> {
  return (await deliverNotifications(deps, [notification], partition))[0]!;
}

/** Each user's notifications of the batch, in order, to every connection of the user; what each user reached. */
async function handOver(deps: DeliverNotificationDeps, delivered: ReadonlyArray<{ notification: Notification; result: AppendResult }>): Promise<Map<string, { local: number; remote: string[] }>> {
  const messages = new Map<string, RelayMessage & { notifications: FeedNotification[] }>();
  // Each user's first new notification of the batch, when the inbox did not say what came before it.
  const unplaced = new Map<string, FeedNotification>();
  // Users with a new notification earlier in the batch.
  const created = new Set<string>();
  for (const { notification, result } of delivered) {
    const { userId } = notification;
    if (!deps.fanOut.isReachable(userId)) continue;
    let message = messages.get(userId);
    if (!message) messages.set(userId, (message = { userId, notifications: [], unreadDelta: 0 }));
    // A new item counts; the items it (or another of the batch) replaced leave the count.
    message.unreadDelta! += (result.created ? 1 : 0) - (result.superseded?.length ?? 0);
    // Replaced already (a later update of the batch, a redelivery, a racing writer): its replacement is what clients get.
    if (result.item.supersededBy !== undefined) continue;
    const handed: FeedNotification = toFeedNotification(result.item);
    if (result.created) {
      if (result.previousSeq !== undefined) handed.previousSeq = result.previousSeq;
      else if (!created.has(userId)) unplaced.set(userId, handed);
      created.add(userId);
    }
    message.notifications.push(handed);
  }
  // One read per such user, not one per connection: without it, each feed of the user would read
  // the inbox to fill what looks like a gap (a user's numbers start from the clock in a new process).
  await Promise.all([...unplaced].map(async ([userId, first]) => (first.previousSeq = await deps.inbox.newestSeq(userId, first.seq))));
  return deps.fanOut.sendMany([...messages.values()]);
}

function inboxItemOf(notification: Notification, partition: number, now: Date): NewInboxItem {
  const { fallback } = notification;
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
    ...(fallback
      ? {
          fallback: {
            dueAt: new Date(now.getTime() + fallback.afterMs),
            partition,
            afterMs: fallback.afterMs,
            ...(notification.push ? { push: notification.push } : {}),
            ...(notification.digest ? { digest: notification.digest } : {}),
            ...(fallback.budget ? { budget: fallback.budget } : {}),
          },
        }
      : {}),
  };
}

export function statusOf(
  n: Pick<Notification, 'notificationId' | 'eventId' | 'userId' | 'type'>,
  status: DeliveryStatus['status'],
  at: Date,
  gatewayId: string,
  extra: { channel?: DeliveryStatus['channel']; reason?: string; detail?: Record<string, unknown> } = {},
): DeliveryStatus {
  return { version: 1, notificationId: n.notificationId, eventId: n.eventId, eventType: n.type, userId: n.userId, status, channel: extra.channel ?? 'inapp', service: 'gateway', at: at.toISOString(), ...(extra.reason ? { reason: extra.reason } : {}), detail: { gatewayId, ...extra.detail } };
}

export function publishStatus(bus: Bus, ...statuses: DeliveryStatus[]): Promise<void> {
  return statuses.length === 0 ? Promise.resolve() : bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })));
}
