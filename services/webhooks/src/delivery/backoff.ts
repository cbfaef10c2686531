/** How long deliveries are retried and how the waits grow. */
export interface WebhookRetryPolicy {
  /** Ceiling of the first wait; doubles per attempt. */
  initialMs: number;
  maxMs: number;
  /** Total time from a delivery's `retryFrom` after which it is parked instead of retried. */
  retryForMs: number;
}

/**
 * The wait before the next try after `attempts` failed ones: exponential backoff with full jitter
 * (anywhere between 0 and the ceiling), so receivers coming back are not hit by every sender at once.
 */
export function retryDelay(attempts: number, policy: Pick<WebhookRetryPolicy, 'initialMs' | 'maxMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(0, attempts - 1), 40));
  return Math.floor(random() * ceiling);
}

/** When to try again after a failed attempt, or null when the retry window is over (the delivery is parked). */
export function nextAttemptAt(attempts: number, retryFrom: Date, now: Date, policy: WebhookRetryPolicy, random: () => number = Math.random): Date | null {
  const deadline = retryFrom.getTime() + policy.retryForMs;
  if (now.getTime() >= deadline) return null;
  return new Date(Math.min(deadline, now.getTime() + retryDelay(attempts, policy, random)));
}
