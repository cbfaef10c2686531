import type { Consumer, EachBatchPayload, OffsetsByTopicPartition } from 'kafkajs';
import type { Logger } from '@notify/observability';

type BatchCommits = Pick<EachBatchPayload, 'commitOffsetsIfNecessary' | 'uncommittedOffsets'>;

const hasAny = (offsets: OffsetsByTopicPartition) => offsets.topics.some((t) => t.partitions.length > 0);

/**
 * Commits a consumer's positions at most once per interval. kafkajs's own auto-commit sends an
 * OffsetCommit after every batch; at a steady trickle a batch is one or two messages, so that was a
 * request per message per group (most of what the broker was asked for). Positions are still only
 * those the bus resolved; what a crash leaves uncommitted is delivered again (at-least-once).
 */
export class OffsetCommitter {
  /** kafkajs's view of what is resolved and not yet committed; the same function in every batch. */
  private uncommitted: (() => OffsetsByTopicPartition) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** At the end of a batch: commit if the interval has passed, or at once when the consumer is stopping. */
  async afterBatch(batch: BatchCommits, stopping: boolean): Promise<void> {
    this.uncommitted = batch.uncommittedOffsets;
    if (stopping) {
      await batch.commitOffsetsIfNecessary(batch.uncommittedOffsets());
      return;
    }
    await batch.commitOffsetsIfNecessary();
    // No batch may follow for a while (a quiet topic): commit the rest after one interval anyway.
    if (!this.timer && hasAny(batch.uncommittedOffsets())) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Commits whatever is resolved and not committed yet. A failure (a rebalance under way) only means redelivery. */
  async flush(): Promise<void> {
    const pending = this.uncommitted?.();
    if (!pending || !hasAny(pending)) return;
    const offsets = pending.topics.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset })));
    await this.consumer.commitOffsets(offsets).catch((err: Error) => this.logger.debug({ err }, 'offset commit skipped; those messages may be delivered again'));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
