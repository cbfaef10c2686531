/**
 * kafkajs restarts a crashed consumer only when it takes the error for retriable, and some errors a
 * broker restart causes are not marked so: finding the group coordinator throws
 * `KafkaJSGroupCoordinatorNotFound` (non-retriable, its cause dropped) when the coordinator is still
 * loading its groups. Left alone, such a consumer stays stopped for good and its process reads
 * nothing more from that topic. These errors heal once the broker is back, so the bus rejoins.
 */

/** kafkajs error classes that mean "the cluster is not reachable or not settled yet". */
const TRANSIENT_ERRORS = new Set([
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
]);

/** Kafka protocol error codes of the same kind: a coordinator or leader moving, loading or away. */
const TRANSIENT_PROTOCOL_ERRORS = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
]);

interface KafkaLikeError {
  name?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
}

/**
 * Whether a consumer kafkajs gave up on should rejoin: the error, or one it wraps, is one a broker
 * coming back heals. A refusal the broker would repeat (a session timeout out of its bounds, an
 * authorisation failure) is not: that member stays stopped and its process unready.
 */
export function healsByRejoining(error: unknown): boolean {
  for (let current = error as KafkaLikeError | undefined, depth = 0; current && depth < 8; current = current.cause as KafkaLikeError | undefined, depth++) {
    if (current.retriable === true) return true;
    if (current.name && TRANSIENT_ERRORS.has(current.name)) return true;
    if (current.type && TRANSIENT_PROTOCOL_ERRORS.has(current.type)) return true;
  }
  return false;
}

export interface RejoinOptions {
  /** Connects the consumer again and runs it; throws when it could not even start. */
  rejoin: () => Promise<void>;
  onFailedAttempt?: (err: Error, nextDelayMs: number) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Rejoins a consumer after a healing crash, waiting longer after each attempt that crashed again
 * (doubling, with jitter, up to `maxDelayMs`); a successful join starts the count over.
 */
export class Rejoiner {
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;
  /** Since when the consumer has been out of its group, and why; null while it is in. */
  private outSince: { at: number; reason: string } | null = null;

  constructor(private readonly options: RejoinOptions) {}

  get out(): { at: number; reason: string } | null {
    return this.outSince;
  }

  /** After a crash kafkajs will not restart from: try again after the current delay. */
  schedule(reason: string): void {
    if (this.cancelled) return;
    this.outSince ??= { at: Date.now(), reason };
    clearTimeout(this.timer);
    const delay = this.nextDelay();
    this.timer = setTimeout(() => void this.attempt(), delay);
    this.timer.unref();
  }

  /** The consumer is in its group again. */
  joined(): void {
    this.attempts = 0;
    this.outSince = null;
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  private nextDelay(): number {
    // An attempt costs a few requests; waiting long after the broker is back costs readiness.
    const initial = this.options.initialDelayMs ?? 500;
    const max = this.options.maxDelayMs ?? 5000;
    const base = Math.min(max, initial * 2 ** this.attempts++);
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  private async attempt(): Promise<void> {
    if (this.cancelled) return;
    try {
      await this.options.rejoin();
    } catch (err) {
      // kafkajs reports a crash after starting through its CRASH event; this is a failure to start at all.
      if (this.cancelled) return;
      const delay = this.nextDelay();
      this.options.onFailedAttempt?.(err as Error, delay);
      this.timer = setTimeout(() => void this.attempt(), delay);
      this.timer.unref();
    }
  }
}
