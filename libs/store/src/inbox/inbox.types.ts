import type { NotificationContent, PriorityClass } from '@notify/contracts';

export const INBOX_STATES = ['sent', 'delivered', 'seen', 'read', 'archived'] as const;
export type InboxState = (typeof INBOX_STATES)[number];
/** States only move forward: a late "delivered" ack never un-reads a notification. */
export const stateRank = (state: InboxState): number => INBOX_STATES.indexOf(state);
const READ_RANK = stateRank('read');
export const isUnread = (state: InboxState): boolean => stateRank(state) < READ_RANK;
export const STATE_TIMESTAMP: Partial<Record<InboxState, 'deliveredAt' | 'seenAt' | 'readAt' | 'archivedAt'>> = {
  delivered: 'deliveredAt',
  seen: 'seenAt',
  read: 'readAt',
  archived: 'archivedAt',
};

export interface InboxItem {
  notificationId: string;
  userId: string;
  eventId: string;
  type: string;
  priority: PriorityClass;
  category?: string;
  tenant?: string;
  content: NotificationContent;
  createdAt: Date;
  expiresAt?: Date;
  collapseKey?: string;
  /** Per-user, strictly increasing: the cursor a reconnecting client resumes from. */
  seq: number;
  state: InboxState;
  deliveredAt?: Date;
  seenAt?: Date;
  readAt?: Date;
  archivedAt?: Date;
}

export type NewInboxItem = Omit<InboxItem, 'seq' | 'state' | 'deliveredAt' | 'seenAt' | 'readAt' | 'archivedAt'>;

export interface InboxPageQuery {
  /** Items older than this cursor (exclusive); the newest first when absent. */
  before?: number;
  limit: number;
  unreadOnly?: boolean;
  category?: string;
  includeArchived?: boolean;
}

export interface InboxPage {
  items: InboxItem[];
  /** Pass as `before` for the next page; null on the last page. */
  nextCursor: number | null;
}

/**
 * One user's notifications. `seq` is a cursor without gaps: item N is stored only once N-1 is
 * visible, even when appends for one user race, so resuming after a cursor never skips an item.
 */
export interface InboxRepository {
  /** Idempotent on notificationId: a redelivered notification is stored once. */
  append(item: NewInboxItem): Promise<{ item: InboxItem; created: boolean }>;
  /** Everything after a cursor, oldest first: reconnect catch-up. */
  listAfter(userId: string, afterSeq: number, limit: number): Promise<InboxItem[]>;
  page(userId: string, query: InboxPageQuery): Promise<InboxPage>;
  get(userId: string, notificationId: string): Promise<InboxItem | null>;
  /** Moves forward only; returns the item as it now is, or null when the user has no such item. */
  setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null>;
  markAllRead(userId: string): Promise<number>;
  unreadCount(userId: string): Promise<number>;
  /**
   * Deletes the items past their `expiresAt` and, when `createdBefore` is given, those created
   * before it (retention), with what hangs off them; their numbers are never handed out again.
   */
  sweepExpired(now: Date, createdBefore?: Date): Promise<number>;
}
