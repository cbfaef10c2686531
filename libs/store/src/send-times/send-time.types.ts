/**
 * When a user reads notifications, by hour of their local day: what the router learns a user's best
 * hour for marketing digests from. One record per user who ever read a notification; the learning
 * itself (decay, threshold, choice) is the router's, the store only keeps the record.
 */
export interface SendTimeProfile {
  userId: string;
  /** 24 weights, one per local hour (index 0 is 00:00–00:59), each counted hour decayed by its age as of `decayedTo`. */
  hours: number[];
  /** The instant the weights are decayed to: the latest read counted. */
  decayedTo: Date;
  /** Reading hours counted since the record began, not decayed. */
  samples: number;
  /**
   * The local clock hours already counted (hours since 1970-01-01 00:00 on the user's clock), oldest
   * first, kept for as long as delivery.status keeps its messages: a status read again finds its hour
   * here and is not counted twice.
   */
  countedSlots: number[];
  /**
   * When the user's latest digests sent at their best hour were due (the newest few): a read soon after
   * one was likely prompted by it, and says less about the user's own habit.
   */
  digestsDueAt: Date[];
  /** The time zone the latest reads were placed in. */
  timeZone: string;
  updatedAt: Date;
}

export interface SendTimeRepository {
  get(userId: string): Promise<SendTimeProfile | null>;
  /** The records of those users who have one (one query for all). */
  getMany(userIds: readonly string[]): Promise<Map<string, SendTimeProfile>>;
  /**
   * Writes each record whole, creating it if needed: the last write for a user wins. Its one writer is
   * the consumer of the user's delivery.status partition (the topic is keyed by user).
   */
  putMany(profiles: readonly SendTimeProfile[]): Promise<void>;
  /** Deletes the records not updated since `cutoff` (their weights have decayed to nothing): how many. */
  sweepUpdatedBefore(cutoff: Date): Promise<number>;
}
