import type { Logger } from '@notify/observability';
import { pushDueFallbacks, type PushDueFallbacksDeps, type PushedFallbacks } from '../usecases/push-due-fallbacks';

/** Due fallbacks claimed per round trip to the store. */
const BATCH_SIZE = 500;
/** A claim not cleared within this long belongs to a gateway that died between pushing and clearing: another takes it over. */
const CLAIM_LEASE_MS = 60_000;

export interface FallbackSweeperOptions {
  /** Time between the end of one sweep and the start of the next: how late a fallback may go out. */
  intervalMs: number;
  /** The deliver.inapp partitions this gateway holds now (none while its group rebalances). */
  partitions: () => readonly number[];
  logger: Logger;
  onSwept?: (result: PushedFallbacks) => void;
  /**
   * After a sweep fails (the store is away), how long sweeps wait before pushing again: clients
   * retry the acks the outage refused within seconds, and a fallback due meanwhile must see them
   * first, or a notification already shown in-app is pushed as well. Default 10 s.
   */
  afterStoreOutageMs?: number;
  now?: () => number;
}

/**
 * Sweeps the due push fallbacks of the partitions this gateway holds, one sweep at a time. Stopping
 * fires nothing early: what is not due stays in the store for whoever holds the partition next.
 */
export class FallbackSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = true;
  /** When the last sweep failed, if one did. */
  private failedAt: number | undefined;

  constructor(
    private readonly deps: PushDueFallbacksDeps,
    private readonly options: FallbackSweeperOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** No further sweep starts; resolves once the one under way (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** One sweep now, unless one is under way (then that one). */
  sweepOnce(): Promise<void> {
    this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.sweepOnce().finally(() => {
        if (!this.stopped) this.schedule();
      });
    }, this.options.intervalMs);
  }

  private async sweep(): Promise<void> {
    const now = this.options.now?.() ?? Date.now();
    if (this.failedAt !== undefined && now - this.failedAt < (this.options.afterStoreOutageMs ?? 10_000)) return;
    try {
      const result = await pushDueFallbacks(this.deps, this.options.partitions(), { batchSize: BATCH_SIZE, leaseMs: CLAIM_LEASE_MS });
      this.failedAt = undefined;
      this.options.onSwept?.(result);
      if (result.pushed.length > 0) this.options.logger.debug({ pushed: result.pushed.length, cancelled: result.cancelled }, 'push fallbacks sent');
    } catch (err) {
      // Nothing is lost: what was not cleared is due still (or claimed, and taken over after the lease).
      this.failedAt = this.options.now?.() ?? Date.now();
      this.options.logger.warn({ err }, 'push fallback sweep failed; sweeps pause, then try again');
    }
  }
}
