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
  };
}

/**
 * A notification on its way to a connection, with the event it came from: the gateway keeps that
 * for what it handed a connection, so the connection's acks need no inbox read. Not sent to clients.
 */
export type FeedNotification = ClientNotification & { eventId?: string };

export function toFeedNotification(item: InboxItem): FeedNotification {
  return { ...toClientNotification(item), eventId: item.eventId };
}
