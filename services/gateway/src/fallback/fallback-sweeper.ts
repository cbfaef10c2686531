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
}

/**
 * Sweeps the due push fallbacks of the partitions this gateway holds, one sweep at a time. Stopping
 * fires nothing early: what is not due stays in the store for whoever holds the partition next.
 */
export class FallbackSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = true;

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
    try {
      const result = await pushDueFallbacks(this.deps, this.options.partitions(), { batchSize: BATCH_SIZE, leaseMs: CLAIM_LEASE_MS });
      this.options.onSwept?.(result);
      if (result.pushed.length > 0) this.options.logger.debug({ pushed: result.pushed.length, cancelled: result.cancelled }, 'push fallbacks sent');
    } catch (err) {
      // Nothing is lost: what was not cleared is due still (or claimed, and taken over after the lease).
      this.options.logger.warn({ err }, 'push fallback sweep failed; the next one tries again');
    }
  }
}
