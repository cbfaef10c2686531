/**
 * Holds back presence.events after each rebalance until this instance's table holds what
 * `presence.state` holds. The instance that had a partition before wrote the state of every event
 * it committed before it let go, so once those records are read, applying the next event starts from
 * the user's true state; applied any earlier, it would start from a stale one and could reopen a
 * socket that is closed.
 *
 * @example
 * const gate = new HandOverGate(() => view.catchUp());
 * subscribe(..., { onAssigned: () => gate.reset() }, async (m) => { await gate.admit(); apply(m); });
 */
export class HandOverGate {
  private ready: Promise<void> | undefined;
  private catchUps = 0;

  constructor(
    private readonly catchUp: () => Promise<void>,
    private readonly onCaughtUp: (ms: number) => void = () => {},
  ) {}

  /** The group handed this instance partitions: someone else may have applied their latest events. */
  reset(): void {
    this.ready = undefined;
  }

  /** Resolves once events may be applied: at once between rebalances, after one catch-up after each. */
  admit(): Promise<void> {
    if (this.ready) return this.ready;
    const started = Date.now();
    const ready = this.catchUp().then(() => {
      this.catchUps++;
      this.onCaughtUp(Date.now() - started);
    });
    // A failed catch-up (the broker unreachable) is tried again by the next event, or the retried one.
    ready.catch(() => {
      if (this.ready === ready) this.ready = undefined;
    });
    this.ready = ready;
    return ready;
  }

  /** Catch-ups done so far (one per rebalance that handed this instance events). */
  get count(): number {
    return this.catchUps;
  }
}
