import type { ClientNotification, InboxStateName } from '@notify/contracts';

/** Notifications a client keeps in its view (the most recent ones). */
export const LOCAL_INBOX_LIMIT = 500;

const cleared = (state: InboxStateName) => state === 'read' || state === 'archived';

/**
 * What a client has received, as it is now, oldest first: a replacement shows in place of what it
 * replaced, and state changes from any device are applied. Bounded: the oldest go first.
 *
 * @example
 *   const view = new LocalInbox();
 *   view.add(fiveMinutes);
 *   view.add({ ...threeMinutes, supersedes: fiveMinutes.notificationId }); // one item left: three minutes
 */
export class LocalInbox {
  private readonly items = new Map<string, ClientNotification>();

  constructor(private readonly limit = LOCAL_INBOX_LIMIT) {}

  /**
   * Adds a notification. One that replaces another (`supersedes`) removes it, and with it any older
   * unread one with the same collapse key the client still shows (it may have missed the updates in
   * between); the ids removed are returned.
   */
  add(notification: ClientNotification): string[] {
    const removed: string[] = [];
    if (notification.supersedes !== undefined) {
      for (const [id, item] of this.items) {
        const replaced = id === notification.supersedes || (notification.collapseKey !== undefined && item.collapseKey === notification.collapseKey && item.seq < notification.seq && !cleared(item.state));
        if (replaced) removed.push(id);
      }
      for (const id of removed) this.items.delete(id);
    }
    this.items.delete(notification.notificationId);
    this.items.set(notification.notificationId, notification);
    if (this.items.size > this.limit) this.items.delete(this.items.keys().next().value!);
    return removed;
  }

  /** A state reached on some device; states only move forward. */
  setState(notificationId: string, state: InboxStateName): void {
    const item = this.items.get(notificationId);
    if (item && RANK[state] > RANK[item.state]) this.items.set(notificationId, { ...item, state });
  }

  /** Every notification read (`readAll`). */
  readAll(): void {
    for (const [id, item] of this.items) if (!cleared(item.state)) this.items.set(id, { ...item, state: 'read' });
  }

  get(notificationId: string): ClientNotification | undefined {
    return this.items.get(notificationId);
  }

  /** Oldest first. */
  list(): ClientNotification[] {
    return [...this.items.values()].sort((a, b) => a.seq - b.seq);
  }
}

const RANK: Record<InboxStateName, number> = { sent: 0, delivered: 1, seen: 2, read: 3, archived: 4 };
