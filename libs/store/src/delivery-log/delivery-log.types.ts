import type { DeliveryStatus } from '@notify/contracts';

/** One step of a notification's history, as the `delivery.status` topic carries it, with a real Date. */
export type DeliveryLogEntry = Omit<DeliveryStatus, 'version' | 'at'> & { at: Date };

export type DeliveryLogQuery = { notificationId: string } | { eventId: string };

export interface DeliveryLogRepository {
  append(entry: DeliveryLogEntry): Promise<void>;
  /** Many entries with one write, kept in the order given (a batch of the status topic). */
  appendMany(entries: readonly DeliveryLogEntry[]): Promise<void>;
  /** Oldest first: the status trail of a notification, or of every notification of an event. */
  history(query: DeliveryLogQuery): Promise<DeliveryLogEntry[]>;
  /**
   * A user's most recent notifications, newest first, each as its latest step (the notification's
   * status now), with when its first step was: what ops look at to find a user's notification.
   */
  recentForUser(userId: string, limit: number): Promise<Array<DeliveryLogEntry & { firstAt: Date }>>;
  sweepOlderThan(cutoff: Date): Promise<number>;
  /**
   * Where the server can delete by itself (a TTL index on MongoDB), has it delete entries older than
   * `ms` too. False where only `sweepOlderThan` does it (FerretDB, in memory).
   */
  expireOnServerAfter(ms: number): Promise<boolean>;
}
