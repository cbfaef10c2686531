import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { learnReadTimes, type LearnedReads, type LearnReadTimesDeps } from './learn-read-times';

/**
 * Learns users' reading hours from the `read` steps on delivery.status, in a consumer group of its
 * own (`router-send-time`), so it neither slows nor is slowed by the status trail's writes. The topic
 * is keyed by user: one router at a time owns a user's partition, and its profile's one writer is
 * that partition's consumer. Bookkeeping, so a background consumer: it takes the CPU the urgent
 * lanes leave. A batch whose write fails is read again; hours it already counted are not counted twice.
 */
export function consumeReadTimes(bus: Bus, deps: LearnReadTimesDeps, onLearned: (learned: LearnedReads) => void = () => {}): Promise<Subscription> {
  return bus.subscribeBatch(topics.deliveryStatus, { groupId: 'router-send-time', partitionsConcurrently: 8, maxBatchSize: 1000, background: true }, async (batch) => {
    onLearned(await learnReadTimes(deps, batch.map((m) => m.value)));
  });
}
