import type { IdempotencyRepository } from '@notify/store';

export interface RateCap {
  max: number;
  per: 'hour' | 'day';
}

export interface RateSlotRequest {
  /** The rule (or digest key) whose cap applies. */
  ruleKey: string;
  userId: string;
  /** What takes the slot: a notification id. The same holder asking again gets its own slot back. */
  holder: string;
  cap: RateCap;
  /** Look from the first slot: the holder may have taken one before (a redelivered event). */
  mayHoldOne?: boolean;
}

const PERIOD_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const SCOPE = 'rate-cap';

/**
 * Hands out the `max` push slots a user has per window (UTC hour or day) and rule. Each slot is a
 * unique insert naming its holder, the one operation every MongoDB-wire server we support applies
 * atomically: concurrent routers never hand out more than `max`, and a notification that asks again
 * after a retry or a crash finds the slot it already holds instead of using a second one.
 *
 * Which slot to try first is remembered per user and window (one user's events reach one consumer
 * at a time), so a batch usually takes all its slots with one write. The memory is a hint only,
 * bounded, and correctness never depends on it.
 */
export class RateSlots {
  private readonly nextToTry = new Map<string, number>();

  constructor(
    private readonly idempotency: IdempotencyRepository,
    private readonly rememberedWindows = 50_000,
  ) {}

  /** Per request, in order: true when it holds a slot, false when the cap is reached. */
  async take(requests: readonly RateSlotRequest[], now: Date): Promise<boolean[]> {
    const granted = requests.map(() => false);
    const groups = new Map<string, { requests: number[]; next: number; max: number; expiresAt: Date }>();
    requests.forEach((request, index) => {
      const period = PERIOD_MS[request.cap.per];
      const windowStart = Math.floor(now.getTime() / period) * period;
      const key = `${request.ruleKey}|${request.userId}|${windowStart}`;
      let group = groups.get(key);
      if (!group) {
        group = { requests: [], next: this.nextToTry.get(key) ?? 1, max: request.cap.max, expiresAt: new Date(windowStart + period) };
        groups.set(key, group);
      }
      if (request.mayHoldOne) group.next = 1;
      group.requests.push(index);
    });
    // Rounds: every waiting request tries the next free-looking slot of its group; taken ones move on.
    while (groups.size > 0) {
      const attempts: Array<{ index: number; groupKey: string; slot: number }> = [];
      for (const [groupKey, group] of groups) {
        for (const index of group.requests) {
          if (group.next > group.max) break;
          attempts.push({ index, groupKey, slot: group.next++ });
        }
      }
      if (attempts.length === 0) break;
      const outcomes = await this.idempotency.claimMany(
        SCOPE,
        attempts.map(({ index, groupKey, slot }) => ({ key: `${groupKey}|${slot}`, expiresAt: groups.get(groupKey)!.expiresAt, holder: requests[index]!.holder })),
      );
      const waiting = new Map<string, number[]>();
      attempts.forEach(({ index, groupKey }, i) => {
        if (outcomes[i]!.claimed) granted[index] = true;
        else waiting.set(groupKey, [...(waiting.get(groupKey) ?? []), index]);
      });
      for (const [groupKey, group] of groups) {
        this.remember(groupKey, group.next);
        const left = waiting.get(groupKey);
        if (left && group.next <= group.max) group.requests = left;
        else groups.delete(groupKey);
      }
    }
    return granted;
  }

  private remember(groupKey: string, next: number): void {
    // Oldest first out: a Map iterates in insertion order, so re-inserting keeps recent users at the end.
    this.nextToTry.delete(groupKey);
    this.nextToTry.set(groupKey, next);
    if (this.nextToTry.size > this.rememberedWindows) this.nextToTry.delete(this.nextToTry.keys().next().value!);
  }

  /** Windows remembered (a gauge). */
  get size(): number {
    return this.nextToTry.size;
  }
}
