import type { TopicSpec } from '@notify/contracts';
import type { Bus, BusMessage, Subscription } from './types';

export interface StateViewOptions {
  /** A group of its own per process: every instance reads the whole topic. */
  groupId: string;
  partitionsConcurrently?: number;
  /** A view no hot path waits for (bookkeeping, an ops view) reads in the background: see SubscribeOptions. */
  background?: boolean;
}

export interface FollowedState {
  subscription: Subscription;
  /**
   * Resolves once everything the topic held when following began has been applied: a consumer that
   * decides from the view starts after this, so it never decides from a view that is still filling.
   */
  caughtUp: Promise<void>;
  /**
   * Resolves once everything the topic holds now has been applied: what `caughtUp` is at start-up, at
   * any later moment (a consumer taking over work from another instance reads what that one wrote first).
   */
  catchUp(): Promise<void>;
}

/**
 * Keeps a local view of a compacted state topic (the latest value per key): reads it from the
 * beginning into `apply`, then follows it. What a hot path needs to know about other services costs a
 * map lookup instead of a read per message.
 */
export async function followState<T>(bus: Bus, topic: TopicSpec<T>, options: StateViewOptions, apply: (value: T, message: BusMessage<T>) => void | Promise<void>): Promise<FollowedState> {
  const applied: number[] = Array.from({ length: topic.partitions }, () => -1);
  const waiting = new Set<{ target: number[]; reached: () => void }>();
  // Compaction may have removed records below the last one; the last one of a partition always stays.
  const reachedAll = (target: number[]) => target.every((end, partition) => end === 0 || applied[partition]! >= end - 1);
  const check = () => {
    for (const waiter of waiting) {
      if (!reachedAll(waiter.target)) continue;
      waiting.delete(waiter);
      waiter.reached();
    }
  };
  const catchUp = async (): Promise<void> => {
    const target = await bus.latestOffsets(topic as TopicSpec<unknown>);
    if (reachedAll(target)) return;
    await new Promise<void>((reached) => waiting.add({ target, reached }));
  };
  const passed = (partition: number, offset: number) => {
    applied[partition] = Math.max(applied[partition]!, offset);
    check();
  };
  const caughtUp = catchUp();
  // No position is kept: every start reads the whole topic again, which is what the view needs.
  const subscription = await bus.subscribe(
    topic,
    {
      groupId: options.groupId,
      fromBeginning: true,
      commitOffsets: false,
      partitionsConcurrently: options.partitionsConcurrently ?? topic.partitions,
      ...(options.background ? { background: true } : {}),
      // A record set aside (one that does not decode) is passed all the same: the view must not wait for it forever.
      onDeadLetter: async (letter) => {
        if (letter.source.partition !== undefined && letter.source.offset !== undefined) passed(letter.source.partition, Number(letter.source.offset));
      },
    },
    async (message) => {
      await apply(message.value, message);
      passed(message.partition, Number(message.offset));
    },
  );
  return { subscription, caughtUp, catchUp };
}
