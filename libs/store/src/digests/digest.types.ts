export interface DigestItem {
  eventId: string;
  /** The event's type (digests written before it was kept have none). */
  type?: string;
  title?: string;
  body?: string;
  data?: Record<string, unknown>;
  at: Date;
}

export type DigestStatus = 'open' | 'closed' | 'sent';

/**
 * Marketing events collected for one user until the window ends or the bucket is full.
 * open → closed (claimed for sending, by exactly one router) → sent.
 */
export interface DigestBucket {
  bucketId: string;
  userId: string;
  /** What the items have in common, e.g. a rule id: one open bucket per (userId, digestKey). */
  digestKey: string;
  status: DigestStatus;
  /** Oldest first (by `at`, then eventId). */
  items: DigestItem[];
  openedAt: Date;
  flushAt: Date;
  maxItems: number;
  closedAt?: Date;
  sentAt?: Date;
}

export interface AddToDigest {
  userId: string;
  digestKey: string;
  item: DigestItem;
  /** Used when this add opens a new bucket. */
  flushAt: Date;
  maxItems: number;
}

/** What waits to be sent, for the ops console. */
export interface DigestsWaiting {
  /** Open buckets (collecting, or due and not yet claimed by a router). */
  open: number;
  /** Of those, the ones that reached maxItems: due now, whatever their window. */
  full: number;
  /** The earliest window end among open buckets; null when none is open. */
  nextFlushAt: Date | null;
}

export interface DigestRepository {
  /** Idempotent per eventId: a redelivered event is one item. `full` once the bucket reached maxItems. */
  add(input: AddToDigest): Promise<{ bucket: DigestBucket; added: boolean; full: boolean }>;
  /** Open buckets whose window ended or that are full, oldest window first. */
  due(now: Date, limit: number): Promise<DigestBucket[]>;
  /** Claims an open bucket for sending; null when it was not open (someone else claimed it). */
  close(bucketId: string): Promise<DigestBucket | null>;
  markSent(bucketId: string): Promise<void>;
  /**
   * Claimed but not marked sent, oldest first: what a router that crashed mid-send left behind.
   * Pass `closedBefore` (e.g. now minus the longest a send can take) so a bucket a live router is
   * still sending is not picked up and sent a second time.
   */
  listClosedUnsent(limit: number, closedBefore?: Date): Promise<DigestBucket[]>;
  sweepSentBefore(cutoff: Date): Promise<number>;
  /** Open buckets and when the next one is due. */
  waiting(): Promise<DigestsWaiting>;
}
