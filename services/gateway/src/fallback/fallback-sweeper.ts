import type { Logger } from '@notify/observability';
import { RepeatingTask } from '@notify/runtime';
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
  private readonly task: RepeatingTask;
  /** When the last sweep failed, if one did. */
  private failedAt: number | undefined;

  constructor(
    private readonly deps: PushDueFallbacksDeps,
    private readonly options: FallbackSweeperOptions,
  ) {
    this.task = new RepeatingTask(() => this.sweep(), options.intervalMs);
  }

  start(): void {
    this.task.start();
  }

  /** No further sweep starts; resolves once the one under way (if any) has finished. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One sweep now, unless one is under way (then that one). */
  sweepOnce(): Promise<void> {
    return this.task.runOnce();
  }

  private async sweep(): Promise<void> {
    const now = this.options.now?.() ?? Date.now();
    if (this.failedAt !== undefined && now - this.failedAt < (this.options.afterStoreOutageMs ?? 10_000)) return;
    try {
      const result = await pushDueFallbacks(this.deps, this.options.partitions(), { batchSize: BATCH_SIZE, leaseMs: CLAIM_LEASE_MS });
      this.failedAt = undefined;
      this.options.onSwept?.(result);
      if (result.pushed.length + result.shed > 0) this.options.logger.debug({ pushed: result.pushed.length, cancelled: result.cancelled, shed: result.shed }, 'push fallbacks sent');
    } catch (err) {
      // Nothing is lost: what was not cleared is due still (or claimed, and taken over after the lease).
      this.failedAt = this.options.now?.() ?? Date.now();
      this.options.logger.warn({ err }, 'push fallback sweep failed; sweeps pause, then try again');
    }
  }
}
