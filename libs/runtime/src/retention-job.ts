import { Counter, Gauge, Histogram, metric, type Logger, type Registry } from '@notify/observability';

/** One collection kept bounded: what it is called (the metrics label) and how its expired rows go. */
export interface RetentionSweep {
  /** The collection it bounds, e.g. `idempotency_keys`. */
  readonly collection: string;
  /** Deletes what is past its retention at `now`; resolves to how many rows went. */
  sweep(now: Date): Promise<number>;
}

export interface RetentionJobOptions {
  sweeps: readonly RetentionSweep[];
  /** Time between the end of one run and the start of the next, before jitter. */
  intervalMs: number;
  logger: Logger;
  metrics: Registry;
  /** Each wait is the interval ± this fraction of it, so instances started together do not sweep together. */
  jitter?: number;
  now?: () => Date;
  random?: () => number;
}

/** What one run did: rows removed per collection, and the collections whose sweep failed. */
export interface RetentionRun {
  removed: Record<string, number>;
  failed: string[];
  tookMs: number;
}

interface RetentionMetrics {
  removed: Counter<'collection'>;
  failures: Counter<'collection'>;
  seconds: Histogram<'collection'>;
  lastSuccess: Gauge<'collection'>;
}

function retentionMetrics(registry: Registry): RetentionMetrics {
  const registers = [registry];
  return {
    removed: metric(registry, 'notify_retention_removed_total', () => new Counter({ name: 'notify_retention_removed_total', help: 'Rows deleted by the retention sweeps, per collection', labelNames: ['collection'], registers })),
    failures: metric(registry, 'notify_retention_failures_total', () => new Counter({ name: 'notify_retention_failures_total', help: 'Retention sweeps that failed (retried on the next run), per collection', labelNames: ['collection'], registers })),
    seconds: metric(
      registry,
      'notify_retention_sweep_duration_seconds',
      () => new Histogram({ name: 'notify_retention_sweep_duration_seconds', help: 'Time one retention sweep of a collection took', labelNames: ['collection'], buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120], registers }),
    ),
    lastSuccess: metric(
      registry,
      'notify_retention_last_success_timestamp_seconds',
      () => new Gauge({ name: 'notify_retention_last_success_timestamp_seconds', help: 'When a collection was last swept without error (Unix time): a stale value means its rows are piling up', labelNames: ['collection'], registers }),
    ),
  };
}

/**
 * Runs a service's retention sweeps on a schedule: every sweep in turn, one at a time, then a
 * jittered wait, then the next run, so a run never overlaps the one before, however slow the
 * database. A failed sweep is logged and counted and the others still run; the next run retries it.
 */
export class RetentionJob {
  private readonly metrics: RetentionMetrics;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRun> | undefined;
  private stopped = true;
  /** Set while stop() waits for a run: the run ends after its current sweep. */
  private halting = false;

  constructor(private readonly options: RetentionJobOptions) {
    this.metrics = retentionMetrics(options.metrics);
    this.logger = options.logger.child({ module: 'retention' });
  }

  /** The first run comes at a random point of the first interval, so instances started together spread out. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(Math.round(this.options.intervalMs * this.random()));
  }

  /** Runs every sweep once now; while a run is under way, answers that run instead of starting another. */
  runOnce(): Promise<RetentionRun> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No further run starts; resolves once the run under way (if any) has finished its current sweep. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) return;
    this.halting = true;
    try {
      await this.running.catch(() => undefined);
    } finally {
      this.halting = false;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().finally(() => {
        if (!this.stopped) this.schedule(this.nextDelay());
      });
    }, delayMs);
    this.timer.unref();
  }

  private nextDelay(): number {
    const jitter = this.options.jitter ?? 0.2;
    return Math.max(0, Math.round(this.options.intervalMs * (1 - jitter + 2 * jitter * this.random())));
  }

  private random(): number {
    return (this.options.random ?? Math.random)();
  }

  private async run(): Promise<RetentionRun> {
    const started = performance.now();
    const result: RetentionRun = { removed: {}, failed: [], tookMs: 0 };
    for (const { collection, sweep } of this.options.sweeps) {
      // Stopping waits for the sweep in hand, not for the whole run.
      if (this.halting) break;
      const now = (this.options.now ?? (() => new Date()))();
      const end = this.metrics.seconds.startTimer({ collection });
      try {
        const removed = await sweep(now);
        result.removed[collection] = (result.removed[collection] ?? 0) + removed;
        this.metrics.removed.inc({ collection }, removed);
        this.metrics.lastSuccess.set({ collection }, Date.now() / 1000);
      } catch (err) {
        result.failed.push(collection);
        this.metrics.failures.inc({ collection });
        this.logger.warn({ err, collection }, 'retention sweep failed; the next run tries again');
      } finally {
        end();
      }
    }
    result.tookMs = Math.round(performance.now() - started);
    const total = Object.values(result.removed).reduce((sum, n) => sum + n, 0);
    if (total > 0 || result.failed.length > 0) this.logger.info({ removed: result.removed, failed: result.failed, tookMs: result.tookMs }, 'retention run');
    else this.logger.debug({ tookMs: result.tookMs }, 'retention run: nothing to remove');
    return result;
  }
}

/**
 * The retention settings as a module's options carry them (spread from the service's config).
 * A module built without them (a test harness, a benchmark) runs no sweeps.
 */
export interface RetentionScheduleOptions {
  retentionEnabled?: boolean | undefined;
  retentionIntervalMs?: number | undefined;
}

/** The job for a module's sweeps, or undefined when retention is off or not configured. */
export function retentionJobFor(deps: { logger: Logger; metrics: Registry }, options: RetentionScheduleOptions, sweeps: readonly RetentionSweep[]): RetentionJob | undefined {
  if (!options.retentionEnabled || options.retentionIntervalMs === undefined || sweeps.length === 0) return undefined;
  return new RetentionJob({ sweeps, intervalMs: options.retentionIntervalMs, logger: deps.logger, metrics: deps.metrics });
}
