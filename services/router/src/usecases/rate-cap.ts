import type { IdempotencyRepository } from '@notify/store';

export interface RateCap {
  max: number;
  per: 'hour' | 'day';
}

const PERIOD_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Takes one of the `max` slots a user has in the current window (UTC hour or day) for a rule.
 * Each slot is a unique insert, the one operation every MongoDB-wire server we support applies
 * atomically, so concurrent routers never hand out more than `max`. False when all are taken.
 */
export async function takeRateSlot(idempotency: IdempotencyRepository, ruleKey: string, userId: string, cap: RateCap, now: Date): Promise<boolean> {
  const period = PERIOD_MS[cap.per];
  const windowStart = Math.floor(now.getTime() / period) * period;
  const expiresAt = new Date(windowStart + period);
  for (let slot = 1; slot <= cap.max; slot++) {
    if (await idempotency.claim('rate-cap', `${ruleKey}|${userId}|${windowStart}|${slot}`, expiresAt)) return true;
  }
  return false;
}
