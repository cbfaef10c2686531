export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0..1: the share of each delay that is random, so clients that lost the same server do not return in step. */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0.5 };

/** Exponential backoff with jitter: attempt 0 waits about initialDelayMs, doubling up to maxDelayMs. */
export function backoffDelay(attempt: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  const spread = base * options.jitter;
  return Math.round(base - spread + random() * 2 * spread);
}
