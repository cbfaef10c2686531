/** What a connection attempt was told: go ahead, or come back after this long. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Connection attempts per client address in fixed windows. One count covers socket.io handshakes and
 * SSE streams (socket.io does not pass through fastify's routes, so a fastify plugin would count only
 * half). The table is emptied at every window's start, so it holds at most one window's addresses.
 */
export class ConnectionRate {
  private counts = new Map<string, number>();
  private windowStart: number;

  constructor(
    /** Attempts one address may make per window; 0 means no limit. */
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Counts an attempt from `address`. */
  take(address: string): RateVerdict {
    if (this.limit === 0) return { allowed: true };
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.counts = new Map();
      this.windowStart = now - ((now - this.windowStart) % this.windowMs);
    }
    const count = (this.counts.get(address) ?? 0) + 1;
    this.counts.set(address, count);
    if (count <= this.limit) return { allowed: true };
    return { allowed: false, retryAfterMs: this.windowStart + this.windowMs - now };
  }
}
