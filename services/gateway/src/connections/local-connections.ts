import type { InboxStateName } from '@notify/contracts';
import type { FeedNotification } from './client-notification';
import type { Feed } from './feed';

/** The connections this gateway holds, by user. Only this process's own sockets and streams. */
export class LocalConnections {
  private readonly byUser = new Map<string, Set<Feed>>();
  /** The unread count of each user held here: counted once on connect, then kept by deltas, so a new notification costs no count query. */
  private readonly unread = new Map<string, number>();
  /**
   * Changes to each connected user's count heard so far (new notifications, reads, archives). A
   * connection reading its first count compares this before and after its read: a change heard in
   * between may or may not be in what it read, so it reads again.
   */
  private readonly unreadChanges = new Map<string, number>();
  private total = 0;

  add(feed: Feed): void {
    const userId = feed.connection.userId;
    let feeds = this.byUser.get(userId);
    if (!feeds) this.byUser.set(userId, (feeds = new Set()));
    feeds.add(feed);
    this.total++;
  }

  remove(feed: Feed): boolean {
    const feeds = this.byUser.get(feed.connection.userId);
    if (!feeds?.delete(feed)) return false;
    if (feeds.size === 0) {
      this.byUser.delete(feed.connection.userId);
      this.unread.delete(feed.connection.userId);
      this.unreadChanges.delete(feed.connection.userId);
    }
    this.total--;
    return true;
  }

  has(userId: string): boolean {
    return this.byUser.has(userId);
  }

  of(userId: string): Feed[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  all(): Feed[] {
    return [...this.byUser.values()].flatMap((feeds) => [...feeds]);
  }

  get size(): number {
    return this.total;
  }

  /** Hands live notifications to every feed of the user; each feed keeps its own order. */
  offer(userId: string, notifications: readonly FeedNotification[]): number {
    const feeds = this.byUser.get(userId);
    if (!feeds) return 0;
    for (const feed of feeds) for (const n of notifications) feed.offer(n);
    return feeds.size;
  }

  /** An absolute count (on connect, after reads and archives): remembered and sent to every connection of the user. */
  sendUnread(userId: string, count: number): void {
    if (!this.byUser.has(userId)) return;
    this.heardUnreadChange(userId);
    this.unread.set(userId, count);
    for (const feed of this.byUser.get(userId) ?? []) feed.connection.sendUnread(count);
  }

  /** A change to the count (a new notification is +1): applied to the remembered count when there is one. */
  addUnread(userId: string, delta: number): void {
    if (delta === 0 || !this.byUser.has(userId)) return;
    const count = this.unread.get(userId);
    if (count === undefined) return this.heardUnreadChange(userId);
    this.sendUnread(userId, Math.max(0, count + delta));
  }

  /** How many changes to the user's count were heard while connected (see `unreadChanges`). */
  unreadChangesHeard(userId: string): number {
    return this.unreadChanges.get(userId) ?? 0;
  }

  private heardUnreadChange(userId: string): void {
    this.unreadChanges.set(userId, this.unreadChangesHeard(userId) + 1);
  }

  /** Remembers the count read for a new connection without resending it to the others. */
  rememberUnread(userId: string, count: number): void {
    if (this.byUser.has(userId)) this.unread.set(userId, count);
  }

  sendState(userId: string, update: { notificationId: string; state: InboxStateName }, exceptConnectionId?: string): void {
    for (const feed of this.byUser.get(userId) ?? []) if (feed.connection.id !== exceptConnectionId) feed.connection.sendState(update);
  }
}
