import type { DeliveryStatus } from '@notify/contracts';

/** One step of a notification's history, as the `delivery.status` topic carries it, with a real Date. */
export type DeliveryLogEntry = Omit<DeliveryStatus, 'version' | 'at'> & { at: Date };

/** A user's notification as its latest step, with when its first step was. */
export type UserNotification = DeliveryLogEntry & { notificationId: string; firstAt: Date };

export interface PageRequest {
  limit: number;
  /** The `next` of the previous page; absent for the first. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Opaque; null on the last page. */
  next: string | null;
}

export type DeliveryLogQuery = { notificationId: string } | { eventId: string };

export interface DeliveryLogRepository {
  append(entry: DeliveryLogEntry): Promise<void>;
  /** Many entries with one write, kept in the order given (a batch of the status topic). */
  appendMany(entries: readonly DeliveryLogEntry[]): Promise<void>;
  /** Oldest first: the status trail of a notification, or of every notification of an event. */
  history(query: DeliveryLogQuery): Promise<DeliveryLogEntry[]>;
  /**
   * A page of `history`, oldest first, and the cursor of the next page (null on the last). The order
   * (time, then order of writing) is total, and a page starts strictly after the previous one ended,
   * so no step is repeated, and steps written meanwhile come on later pages (one stamped earlier than
   * where a page ended sorts into that page).
   * @throws InvalidCursorError for a cursor this repository did not give out
   */
  historyPage(query: DeliveryLogQuery, page: PageRequest): Promise<Page<DeliveryLogEntry>>;
  /**
   * A user's notifications, newest first (by their first step, then id: an order new steps do not
   * change), each as its latest step (the notification's status now) with when its first step was:
   * what ops look at to find a user's notification. Paged like `historyPage`.
   */
  userNotifications(userId: string, page: PageRequest): Promise<Page<UserNotification>>;
  sweepOlderThan(cutoff: Date): Promise<number>;
  /**
   * Where the server can delete by itself (a TTL index on MongoDB), has it delete entries older than
   * `ms` too. False where only `sweepOlderThan` does it (FerretDB, in memory).
   */
  expireOnServerAfter(ms: number): Promise<boolean>;
}
