import type { Bus, TopicPositions } from '@notify/bus';
import type { Logger } from '@notify/observability';
import type { LaneTopic } from './lane-topics';
import { OffsetHistory, type OffsetSample } from './offset-history';

/**
 * Reads every lane topic's positions from the bus at a steady pace into a bounded history: the
 * console shows the latest sample, and rates come from the samples before it. One sample costs a
 * few admin requests per topic on Kafka; none of them touches a consumer.
 */
export class LanesSampler {
  readonly history: OffsetHistory;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<OffsetSample> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly lanes: readonly LaneTopic[],
    private readonly everyMs: number,
    keepMs: number,
    private readonly logger: Logger,
  ) {
    this.history = new OffsetHistory(keepMs, Math.ceil(keepMs / everyMs) + 1);
  }

  start(): void {
    void this.sampleSafely();
    this.timer = setInterval(() => void this.sampleSafely(), this.everyMs);
    this.timer.unref();
  }

  stop(): Promise<unknown> {
    clearInterval(this.timer);
    return this.inFlight?.catch(() => undefined) ?? Promise.resolve();
  }

  /** The latest sample, taken now when there is none yet or the last is older than two periods (sampling failed meanwhile). */
  async current(now = Date.now()): Promise<OffsetSample> {
    const latest = this.history.latest();
    if (latest && now - latest.at <= 2 * this.everyMs) return latest;
    return this.sample();
  }

  /** One sample at a time: a slow broker never piles requests up. */
  sample(): Promise<OffsetSample> {
    this.inFlight ??= (async () => {
      try {
        const entries = await Promise.all(this.lanes.map(async ({ spec }) => [spec.name, await this.bus.positions(spec)] as [string, TopicPositions]));
        const sample = { at: Date.now(), topics: new Map(entries) };
        this.history.add(sample);
        return sample;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  private async sampleSafely(): Promise<void> {
    await this.sample().catch((err) => this.logger.warn({ err }, 'could not read the lanes’ offsets; the next sample tries again'));
  }
}
