import type { TopicSpec } from '@notify/contracts';
import type { Bus, BusMessage, Subscription } from './types';

export interface StateViewOptions {
  /** A group of its own per process: every instance reads the whole topic. */
  groupId: string;
  partitionsConcurrently?: number;
}

export interface FollowedState {
  subscription: Subscription;
  /**
   * Resolves once everything the topic held when following began has been applied: a consumer that
   * decides from the view starts after this, so it never decides from a view that is still filling.
   */
  caughtUp: Promise<void>;
}

/**
 * Keeps a local view of a compacted state topic (the latest value per key): reads it from the
 * beginning into `apply`, then follows it. What a hot path needs to know about other services costs a
 * map lookup instead of a read per message.
 */
export async function followState<T>(bus: Bus, topic: TopicSpec<T>, options: StateViewOptions, apply: (value: T, message: BusMessage<T>) => void): Promise<FollowedState> {
  const target = await bus.latestOffsets(topic as TopicSpec<unknown>);
  const applied = target.map(() => -1);
  let reached: () => void = () => {};
  const caughtUp = new Promise<void>((resolve) => (reached = resolve));
  // Compaction may have removed records below the last one; the last one of a partition always stays.
  const check = () => {
    if (target.every((end, partition) => end === 0 || applied[partition]! >= end - 1)) reached();
  };
  check();
  const subscription = await bus.subscribe(topic, { groupId: options.groupId, fromBeginning: true, partitionsConcurrently: options.partitionsConcurrently ?? topic.partitions }, async (message) => {
    apply(message.value, message);
    applied[message.partition] = Math.max(applied[message.partition]!, Number(message.offset));
    check();
  });
  return { subscription, caughtUp };
}
