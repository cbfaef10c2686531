/** How a batch that failed for a temporary reason is tried again. */
export interface RetryOptions {
  /** Tries per batch, the first included (default 8). */
  attempts: number;
  /** The first wait (default 100 ms), doubling up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0..1: the share of each wait that is random, so producers that failed together do not retry in step. */
  jitter: number;
}

export const defaultRetry: RetryOptions = { attempts: 8, initialDelayMs: 100, maxDelayMs: 5000, jitter: 0.5 };

/** Exponential backoff with jitter: attempt 0 waits about initialDelayMs, doubling up to maxDelayMs. */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  const spread = base * options.jitter;
  return Math.round(base - spread + random() * 2 * spread);
}
