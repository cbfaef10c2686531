import type { Logger } from '@notify/observability';

/**
 * One timer per in-app notification that falls back to push when not acknowledged in time. The check
 * at expiry reads the inbox (any gateway may have recorded the ack), so cancelling is only a saving.
 * Timers live in this process: a gateway killed before a timer fires loses that fallback push, while
 * the notification itself stays in the inbox.
 */
export class FallbackTimers {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; check: () => Promise<void> }>();

  constructor(private readonly logger: Logger) {}

  schedule(notificationId: string, afterMs: number, check: () => Promise<void>): void {
    if (this.timers.has(notificationId)) return;
    const timer = setTimeout(() => void this.fire(notificationId), afterMs);
    this.timers.set(notificationId, { timer, check });
  }

  cancel(notificationId: string): void {
    clearTimeout(this.timers.get(notificationId)?.timer);
    this.timers.delete(notificationId);
  }

  get pending(): number {
    return this.timers.size;
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
