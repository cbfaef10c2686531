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
