import type { DeliveryStatus } from '@notify/contracts';

export interface LatencySummary {
  /** Notifications measured within the window. */
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  windowMs: number;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * How long an in-app notification took from the router's decision (`routed`) to a gateway handing it
 * to an open socket (`sent` with the user online), from the statuses on delivery.status. Both carry
 * the user's key, so they reach the same status-trail consumer. Bounded: the routed times waiting for
 * their socket, and the measurements of the last `windowMs`, are capped; the oldest go first.
 */
export class RoutedToSocket {
  private readonly routedAt = new Map<string, number>();
  private readonly measured: Array<{ at: number; ms: number }> = [];

  constructor(
    private readonly windowMs: number,
    private readonly maxPending = 50_000,
    private readonly maxMeasured = 20_000,
  ) {}

  observe(status: DeliveryStatus): void {
    const id = status.notificationId;
    if (!id || status.channel !== 'inapp') return;
    const at = Date.parse(status.at);
    if (status.status === 'routed') {
      this.routedAt.delete(id);
      this.routedAt.set(id, at);
      // A Map iterates in insertion order: the first key is the oldest.
      if (this.routedAt.size > this.maxPending) this.routedAt.delete(this.routedAt.keys().next().value!);
      return;
    }
    // `sent` to a user who is offline only stored it in the inbox: no socket was reached.
    if (status.status !== 'sent' || status.detail?.['online'] !== true) return;
    const routed = this.routedAt.get(id);
    if (routed === undefined) return;
    this.routedAt.delete(id);
    this.measured.push({ at, ms: Math.max(0, at - routed) });
    if (this.measured.length > this.maxMeasured) this.measured.shift();
  }

  summary(now = Date.now()): LatencySummary {
    while (this.measured.length > 0 && now - this.measured[0]!.at > this.windowMs) this.measured.shift();
    for (const [id, at] of this.routedAt) {
      if (now - at <= this.windowMs) break;
      this.routedAt.delete(id);
    }
    const sorted = this.measured.map((m) => m.ms).sort((a, b) => a - b);
    return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), windowMs: this.windowMs };
  }
}
