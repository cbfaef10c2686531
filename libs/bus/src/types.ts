import type { DeadLetter, TopicSpec } from '@notify/contracts';

/** A message as a handler sees it: already decoded and validated against its topic's schema. */
export interface BusMessage<T> {
  /** Topic name from the catalogue, without the deployment prefix. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: T;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  /** 1 on first delivery; higher when a failed handler is being retried. */
  readonly attempt: number;
}

export interface OutgoingMessage<T> {
  value: T;
  /** Defaults to the topic's key (the recipient's user id), which keeps one user's messages in order. */
  key?: string;
  headers?: Record<string, string>;
}

export interface RawMessage {
  key: string | null;
  value: Buffer | string;
  headers?: Record<string, string>;
}

export type Handler<T> = (message: BusMessage<T>) => Promise<void>;

/**
 * Gets a slice of one partition's fetch, in offset order (so one key's messages stay in order), every
 * message already decoded; what does not decode was dead-lettered and is left out.
 */
export type BatchHandler<T> = (messages: ReadonlyArray<BusMessage<T>>) => Promise<void>;

/**
 * Which producer carries a publish. Bulk traffic (marketing, digests, and everything a bulk consumer
 * writes) has its own, so its queue of sends never sits in front of an urgent message.
 */
export type PublishLane = 'default' | 'bulk';

export interface PublishOptions {
  lane?: PublishLane;
}

export interface SubscribeOptions {
  /** Consumers sharing a group id share the work: each message goes to one of them. */
  groupId: string;
  /** Where a group with no committed position starts. Default true: nothing retained is skipped. */
  fromBeginning?: boolean;
  /** How many partitions one consumer works on at once (order is per partition either way). Default 1. */
  partitionsConcurrently?: number;
  /**
   * How many messages of one partition run at once, never two of the same key, so per-key order holds.
   * Above 1, a slow message delays only its own key, and the sends of concurrent handlers share one
   * request. Positions are committed in partition order either way. Default 1.
   */
  keysConcurrently?: number;
  /**
   * A background consumer (the marketing lane, bookkeeping) uses only the CPU urgent consumers of the
   * same process leave: its messages start one per pass of the event loop, and on Kafka it fetches
   * smaller batches, so a flood in its topic never holds up an urgent message for more than one of
   * its own. Default false.
   */
  background?: boolean;
  retry?: Partial<RetryPolicy>;
  /**
   * Called once a message of this subscription is on the dead-letter topic, with what was written
   * there: to record it where the message's owner will look (the router's status trail). It fails
   * the message's handling as a failed write to the dead-letter topic would.
   */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
  /**
   * False for a group of one process's own that reads a whole topic (a view, a change feed): it
   * keeps no position, so every start begins again where `fromBeginning` says, and the group is
   * deleted when the subscription stops (a crashed process's is taken back by its restart, under the
   * same instance name). Default true: shared work resumes where the group left off.
   */
  commitOffsets?: boolean;
  /**
   * Called each time the group hands this member its partitions (every rebalance, even one that
   * gives it the same partitions back), before it works on any of them: another member may have
   * worked on them since this one last did.
   */
  onAssigned?: (partitions: readonly number[]) => void;
}

export interface BatchSubscribeOptions extends Omit<SubscribeOptions, 'keysConcurrently'> {
  /** Most messages one handler call gets; a larger fetch is handed over in slices of this size. Default 500. */
  maxBatchSize?: number;
}

/** Where one consumer group stands in one topic: what lag is computed from. */
export interface GroupPosition {
  /** As subscribed (without the deployment prefix and the topic the bus scopes it by). */
  readonly groupId: string;
  /** Consumers in the group now; 0 when nobody reads the topic for it (stopped, crashed, or not started). */
  readonly members: number;
  /**
   * Per partition, the next offset the group will read (its committed position); null where it has
   * committed nothing: a group that keeps no position (a process's own view) or that has not committed yet.
   */
  readonly committed: ReadonlyArray<number | null>;
}

/** A topic's write positions and where each of its consumer groups stands: what lag and throughput are computed from. */
export interface TopicPositions {
  /** Per partition, the offset the next message will get (records deleted by retention still count). */
  readonly ends: readonly number[];
  readonly groups: readonly GroupPosition[];
}

export interface RetryPolicy {
  /** Attempts for an error that is neither transient nor non-retriable, before the message is dead-lettered. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export interface Subscription {
  readonly topic: string;
  readonly groupId: string;
  /**
   * The partitions of the topic this member holds now: none while its group rebalances, after it
   * stopped, or before it joined. During a rebalance a partition may briefly be held by two members
   * (the one losing it has not heard yet), so work keyed by partition must still be claimed.
   */
  assignedPartitions(): readonly number[];
  /**
   * The last moment this member was known to hear its topic (Kafka: a fetch answered, empty or not),
   * null before the first. Silence on a topic means something only while this is recent: a member that
   * cannot reach the broker hears nothing from anyone.
   */
  lastHeardAt(): number | null;
  /** Graceful: finish the message in hand, commit, leave the group. */
  stop(): Promise<void>;
}

/**
 * The one transport interface. Two implementations keep the same semantics: per-key order,
 * one delivery per group, at-least-once (a position is committed only after the handler succeeded),
 * failed handlers retried with backoff, undecodable or unprocessable messages dead-lettered with the reason.
 */
export interface Bus {
  readonly kind: 'kafka' | 'memory';
  /** Connects and provisions every topic of the catalogue. */
  start(): Promise<void>;
  publish<T>(topic: TopicSpec<T>, messages: ReadonlyArray<OutgoingMessage<T>>, options?: PublishOptions): Promise<void>;
  /** Writes bytes as given, unchecked: for relaying, replaying the dead-letter topic, and tests of bad input. */
  publishRaw(topic: TopicSpec<unknown>, messages: ReadonlyArray<RawMessage>): Promise<void>;
  subscribe<T>(topic: TopicSpec<T>, options: SubscribeOptions, handler: Handler<T>): Promise<Subscription>;
  /**
   * Like `subscribe`, but the handler works a whole slice of a partition at once (one read and one
   * write per slice instead of per message), and the position moves past the slice only after the
   * handler resolved. A slice that fails with a transient error is retried whole; with any other
   * error its messages are retried one at a time (each as a slice of one), so the one that cannot be
   * processed is dead-lettered alone and the rest go through. Handlers must be idempotent.
   */
  subscribeBatch<T>(topic: TopicSpec<T>, options: BatchSubscribeOptions, handler: BatchHandler<T>): Promise<Subscription>;
  /**
   * Per partition, the offset the next message will get: how far a consumer must read to have seen
   * everything. 0 for a partition that holds nothing to read (empty, or every record deleted by retention).
   */
  latestOffsets(topic: TopicSpec<unknown>): Promise<number[]>;
  /** How far the topic is written, and the consumer groups that read it with where each stands (on Kafka: the broker's own group offsets). */
  positions(topic: TopicSpec<unknown>): Promise<TopicPositions>;
  /** Messages of this process's background consumers waiting for a turn (see `SubscribeOptions.background`). */
  backgroundWaiting(): number;
  /** Stops every subscription gracefully, then the producer. */
  stop(): Promise<void>;
  /** Resolves when the transport answers; used by /readyz. */
  ping(): Promise<void>;
}
