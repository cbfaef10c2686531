export interface ProjectThrottleOptions {
  /** The first pause after a 429 that says nothing of how long to wait. */
  floorMs: number;
  /** The longest pause, a provider's Retry-After included. */
  maxMs: number;
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Pause {
  /** When the latest pause began: a 429 for a request sent before it belongs to the same burst. */
  since: number;
  until: number;
  /** Pauses in a row with no send going through in between. */
  streak: number;
}

/**
 * FCM's quota is per project (HTTP v1: 600,000 messages a minute, a token bucket refilled each
 * minute), so a 429 QUOTA_EXCEEDED says the whole project is out, not one device: every send for
 * that project waits here until the pause is over, whichever device it is for.
 *
 * The pause is the provider's Retry-After when it sent one; otherwise the floor, doubled on each
 * further 429 and jittered upwards (up to a quarter more, so instances do not all come back
 * together, never under the floor). A send that goes through after the pause began resets it: the
 * next 429 starts from the floor again. The 429s of one burst (requests already sent when the pause
 * began) make one pause, not a doubling each.
 * @example
 * const throttle = new ProjectThrottle({ floorMs: 60_000, maxMs: 600_000 });
 * await throttle.ready('shop'); const sentAt = Date.now(); // send; on a 429:
 * throttle.throttled('shop', sentAt); // 60,000–75,000
 */
export class ProjectThrottle {
  private readonly pauses = new Map<string, Pause>();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ProjectThrottleOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  }

  /** How long the project's sends still wait (0: none). */
  remainingMs(project: string): number {
    const pause = this.pauses.get(project);
    return pause ? Math.max(0, pause.until - this.now()) : 0;
  }

  /** Resolves once the project's pause, if any, is over; a pause that grows meanwhile is waited out too. */
  async ready(project: string): Promise<void> {
    for (let wait = this.remainingMs(project); wait > 0; wait = this.remainingMs(project)) await this.sleep(wait);
  }

  /**
   * A 429 for a request sent at `sentAt`, with the provider's Retry-After when it could be read:
   * pauses the project and answers how long its sends now wait.
   */
  throttled(project: string, sentAt: number, retryAfterMs?: number): number {
    const now = this.now();
    const current = this.pauses.get(project);
    if (current && sentAt < current.since) {
      // The same burst: only a longer Retry-After moves the end.
      if (retryAfterMs !== undefined) current.until = Math.max(current.until, now + Math.min(retryAfterMs, this.options.maxMs));
      return this.remainingMs(project);
    }
    const streak = (current?.streak ?? 0) + 1;
    const waitMs = retryAfterMs !== undefined ? Math.min(retryAfterMs, this.options.maxMs) : this.backoff(streak);
    this.pauses.set(project, { since: now, until: now + waitMs, streak });
    return waitMs;
  }

  /** A request sent at `sentAt` went through: if it left after the latest pause began, the quota is back. */
  succeeded(project: string, sentAt: number): void {
    const current = this.pauses.get(project);
    if (current && sentAt >= current.since) this.pauses.delete(project);
  }

  private backoff(streak: number): number {
    const base = Math.min(this.options.maxMs, this.options.floorMs * 2 ** (streak - 1));
    return Math.min(this.options.maxMs, Math.round(base * (1 + this.random() / 4)));
  }
}
