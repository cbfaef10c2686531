import type { ClientNotification } from '@notify/contracts';
import type { InboxItem } from '@notify/store';

/** The client's view of an inbox item: what it needs to render, order and acknowledge it. */
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
    ...(item.collapseKey ? { collapseKey: item.collapseKey } : {}),
    ...(item.supersedes ? { supersedes: item.supersedes } : {}),
  };
}

/**
 * A notification on its way to a connection, with what the gateway uses and clients never see: the
 * event it came from (kept for what a connection was handed, so its acks need no inbox read) and
 * the seq of the user's item stored just before it, when known (a client that has that one is sent
 * this one straight away, with no inbox read for a gap).
 */
export type FeedNotification = ClientNotification & { eventId?: string; previousSeq?: number };

/** The event a notification a connection was handed came from: what its status events name. */
export interface HandedEvent {
  eventId: string;
  eventType: string;
}

export function toFeedNotification(item: InboxItem): FeedNotification {
  return { ...toClientNotification(item), eventId: item.eventId };
}
