import type { FallbackBudget, Notification, NotificationContent, PriorityClass } from '@notify/contracts';

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
  /**
   * The notification this one replaced: the user's unread item with the same `collapseKey` when this
   * one was stored. The replaced item leaves the lists and the unread count; this one takes its place.
   */
  supersedes?: string;
  /** On a replaced item: the notification that replaced it. Such an item is in no list and not counted unread. */
  supersededBy?: string;
  /** Per-user, strictly increasing: the cursor a reconnecting client resumes from. */
  seq: number;
  state: InboxState;
  deliveredAt?: Date;
  seenAt?: Date;
  readAt?: Date;
  archivedAt?: Date;
  /** The push that goes out unless a device acknowledges the item in time; gone once pushed or found acknowledged. */
  fallback?: PendingFallback;
}

/**
 * A push fallback kept with its inbox item, so it outlives the gateway that stored it: whichever
 * gateway holds the item's partition of deliver.inapp when it is due pushes it, unless a device
 * acknowledged the notification (reached `delivered`) first.
 */
export interface PendingFallback {
  dueAt: Date;
  /** The deliver.inapp partition the notification came from: its holder sweeps this fallback. */
  partition: number;
  /** The rule's window, for the reason on the status trail. */
  afterMs: number;
  /** What the push carries besides the item: the producer's platform blocks, a digest's summary. */
  push?: Notification['push'];
  digest?: Notification['digest'];
  /** The daily budget the push draws on (the router resolved it for this user): counted, or shed, when due. */
  budget?: FallbackBudget;
}

export interface FallbackClaimOptions {
  /** Due fallbacks looked at, at most, per call. */
  limit: number;
  /**
   * How long a claim holds: a fallback claimed this long ago and still not cleared (its claimer died
   * between claiming and clearing) may be claimed again.
   */
  leaseMs: number;
}

export interface FallbackClaim {
  /** Due, unacknowledged, and now the caller's to push (then `clearFallbacks`). */
  claimed: InboxItem[];
  /** Due but acknowledged: cleared, nothing to push. */
  cancelled: number;
  /** Due fallbacks looked at (up to the limit), whoever holds them: fewer than the limit means none is left. */
  found: number;
}

export type NewInboxItem = Omit<InboxItem, 'seq' | 'state' | 'deliveredAt' | 'seenAt' | 'readAt' | 'archivedAt' | 'supersedes' | 'supersededBy'>;

/** How far back, in a user's items with one collapse key, a new item looks for unread ones to replace. */
export const SUPERSEDE_LOOKBACK = 20;

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

export interface AppendResult {
  item: InboxItem;
  /** False when the notification was stored before: `item` is the stored one. */
  created: boolean;
  /**
   * For a new item, the seq of the user's item stored just before it (0: none), when the store
   * knows it without reading. A feed whose client has that one can send this item straight away.
   */
  previousSeq?: number;
  /**
   * The items this call replaced (an item with a `collapseKey` replaces the user's older unread items
   * with the same key; normally one), as they were, with `supersededBy` set. Each is replaced by one
   * call only: a redelivery or a racing writer finds it taken and reports nothing.
   */
  superseded?: InboxItem[];
}

/** One user's request to move notifications to a state. */
export interface StateRequest {
  userId: string;
  notificationIds: readonly string[];
  state: Exclude<InboxState, 'sent'>;
}

export interface StateChanges {
  /** The notifications this call recorded the state for (the first to record it), in request order. */
  moved: string[];
  /** How many of them left the unread count with this call (their first read or archive). */
  cleared: number;
}

/**
 * One user's notifications, numbered by `seq`, the cursor a reconnecting client resumes from.
 * - An item with a `collapseKey` replaces the user's unread items with the same key ("your driver is
 *   3 minutes away" replaces "5 minutes away"): they leave the lists and the unread count, the new one
 *   (with a new, higher seq) names the newest of them in `supersedes`, so the unread count is
 *   unchanged. A read or archived item is never replaced. Whether an item is read or replaced is
 *   decided once, by the store: of a read and a replacement racing, exactly one wins.
 * - Strictly increasing per user and never handed out twice, not even after the item was swept.
 * - Items of one user become visible in `seq` order (one writer per user at a time, writing in
 *   order), so a reader resuming after a cursor never misses an item that appears later.
 * - Numbers may jump (the MongoDB store starts a user's numbers from its clock when it has not
 *   numbered for that user before): a reader must not assume `seq + 1` follows `seq`.
 * States only move forward; each state is recorded once per item, with when it was reached.
 */
export interface InboxRepository {
  /** Idempotent on notificationId: a redelivered notification is stored once. */
  append(item: NewInboxItem): Promise<AppendResult>;
  /**
   * Stores a batch with one write, in order: one user's items are numbered in the order given.
   * Idempotent on notificationId; the results are in the order of `items`.
   */
  appendMany(items: readonly NewInboxItem[]): Promise<AppendResult[]>;
  /** Everything after a cursor, oldest first, replaced items left out: reconnect catch-up. */
  listAfter(userId: string, afterSeq: number, limit: number): Promise<InboxItem[]>;
  /** The highest seq of the user's items (below `before` when given); 0 when there is none. */
  newestSeq(userId: string, before?: number): Promise<number>;
  page(userId: string, query: InboxPageQuery): Promise<InboxPage>;
  /** The item, also when it was replaced (then with `supersededBy`). */
  get(userId: string, notificationId: string): Promise<InboxItem | null>;
  /** The user's items among these ids, as they are now; ids of other users or of nothing are left out. */
  getMany(userId: string, notificationIds: readonly string[]): Promise<InboxItem[]>;
  /** Moves forward only; returns the item as it now is, or null when the user has no such item. */
  setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null>;
  /**
   * Records with one write that these notifications of the user reached `state`. A state already
   * recorded for an item is left as it was, and a state below the item's own changes nothing, so
   * racing and repeated calls are harmless. The ids must be the user's: the caller checked them
   * (`getMany`) or delivered them to this user itself.
   */
  recordStates(userId: string, notificationIds: readonly string[], state: Exclude<InboxState, 'sent'>): Promise<StateChanges>;
  /** Several users' `recordStates` with one write (acks of many connections arriving together); one answer per request. */
  recordStatesMany(requests: ReadonlyArray<StateRequest>): Promise<StateChanges[]>;
  /** Which of these notifications of the user reached `state` or a later one (what a push fallback checks). */
  reached(userId: string, notificationIds: readonly string[], state: Exclude<InboxState, 'sent'>): Promise<Set<string>>;
  markAllRead(userId: string): Promise<number>;
  unreadCount(userId: string): Promise<number>;
  /** Several users' unread counts with a fixed number of queries (a push slice's badges); every user asked is in the answer. */
  unreadCounts(userIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Deletes the items past their `expiresAt` and, when `createdBefore` is given, those created
   * before it (retention), with what hangs off them; their numbers are never handed out again.
   * An item whose fallback is still pending stays until the fallback is done with: the push then
   * decides about an expired notification, as for any other.
   */
  sweepExpired(now: Date, createdBefore?: Date): Promise<number>;
  /**
   * The fallbacks of these deliver.inapp partitions due at `now`, earliest first: each unacknowledged
   * one is claimed for the caller, and one caller only, decided by the store (two gateways that both
   * believe they hold a partition during a rebalance never both get it); each acknowledged one is
   * cleared. A claim that was never cleared can be taken again once its lease is over.
   */
  claimDueFallbacks(partitions: readonly number[], now: Date, options: FallbackClaimOptions): Promise<FallbackClaim>;
  /** These items' fallbacks are done with (pushed): no sweep looks at them again. Idempotent. */
  clearFallbacks(notificationIds: readonly string[]): Promise<void>;
}
