import type { Escalation } from '@notify/store';
import type { Logger } from '@notify/observability';
import { RepeatingTask } from '@notify/runtime';
import { sweepEscalations, type SweepEscalationsDeps, type SweptEscalations } from './sweep-escalations';

/** Due ladders claimed per round trip to the store. */
const BATCH_SIZE = 500;

export interface EscalationSweeperOptions {
  /** Time between the end of one sweep and the start of the next: how late a step may be taken. */
  intervalMs: number;
  /** How long a claimed step stays its claimer's: past it, a step whose router died is taken over. */
  leaseMs: number;
  /** The intake partitions this router owns now, per lane (none while its group rebalances). */
  partitions: (lane: Escalation['lane']) => readonly number[];
  logger: Logger;
  onSwept?: (result: SweptEscalations) => void;
}

/**
 * Sweeps the due escalation steps of the intake partitions this router owns, one sweep at a time.
 * Stopping takes nothing early: what is not due stays in the store for whoever owns the partition next.
 */
export class EscalationSweeper {
  private readonly task: RepeatingTask;

  constructor(
    private readonly deps: SweepEscalationsDeps,
    private readonly options: EscalationSweeperOptions,
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
    for (const lane of ['default', 'bulk'] as const) {
      try {
        const result = await sweepEscalations(this.deps, lane, this.options.partitions(lane), { batchSize: BATCH_SIZE, leaseMs: this.options.leaseMs });
        this.options.onSwept?.(result);
        if (result.taken.length > 0) this.options.logger.debug({ lane, taken: result.taken.length, skipped: result.skipped.length }, 'escalation steps taken');
      } catch (err) {
        // Nothing is lost: an unsettled step is due still (or claimed, and taken over after the lease).
        this.options.logger.warn({ err, lane }, 'escalation sweep failed; the next sweep tries again');
      }
    }
  }
}
