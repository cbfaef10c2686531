import type { Logger } from '@notify/observability';

/**
 * One timer per in-app notification that falls back to push when not acknowledged in time. The check
 * at expiry reads the inbox's state marks (any gateway may have taken the ack), so cancelling is a
 * saving, never what prevents a push. Timers live in this process: a gateway killed before a timer
 * fires loses that fallback push, while the notification itself stays in the inbox.
 *
 * At most `maxPending` timers are held: past that, the oldest one's check runs at once (it pushes
 * only if nothing acknowledged the notification yet), so memory stays bounded and no fallback is
 * dropped, at the price of pushing some early when the gateway is far over its load.
 */
export class FallbackTimers {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; check: () => Promise<void> }>();
  private early = 0;

  constructor(
    private readonly logger: Logger,
    private readonly maxPending = 100_000,
  ) {}

  schedule(notificationId: string, afterMs: number, check: () => Promise<void>): void {
    if (this.timers.has(notificationId)) return;
    const timer = setTimeout(() => void this.fire(notificationId), afterMs);
    this.timers.set(notificationId, { timer, check });
    if (this.timers.size > this.maxPending) {
      this.early++;
      void this.fire(this.timers.keys().next().value!);
    }
  }

  cancel(notificationId: string): void {
    clearTimeout(this.timers.get(notificationId)?.timer);
    this.timers.delete(notificationId);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Checks run before their time because the bound was reached. */
  get checkedEarly(): number {
    return this.early;
  }

  /** On shutdown: run every pending check now rather than lose it (an unacknowledged notification gets its push early). */
  async flush(): Promise<void> {
    await Promise.all([...this.timers.keys()].map((id) => this.fire(id)));
  }

  private async fire(notificationId: string): Promise<void> {
    const pending = this.timers.get(notificationId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.timers.delete(notificationId);
    await pending.check().catch((err: unknown) => this.logger.error({ err, notificationId }, 'push fallback check failed'));
  }
}
