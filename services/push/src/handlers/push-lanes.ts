import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { deliverPushBatch, type DeliverPushDeps } from '../usecases/deliver-push';

/**
 * The two push lanes, each its own consumer group with its own concurrency: a transactional push
 * never waits behind bulk sends, and only the bulk lane is rate-limited. Each fetch of a partition is
 * worked as one slice (users side by side, each user's notifications in order). The bulk lane is a
 * background consumer (small fetches, each slice waiting its turn behind urgent work): it uses only
 * the CPU the transactional lane leaves. Its slices are as large as its fetches (a few hundred
 * notifications), since the store's writes per slice cost about the same for 10 marks as for 500.
 */
export async function consumePushLanes(bus: Bus, deps: { transactional: DeliverPushDeps; bulk: DeliverPushDeps; transactionalConcurrency: number; bulkConcurrency: number }): Promise<Subscription[]> {
  return [
    await bus.subscribeBatch(topics.deliverPushTransactional, { groupId: 'push', partitionsConcurrently: deps.transactionalConcurrency, maxBatchSize: 500 }, (batch) =>
      deliverPushBatch(deps.transactional, batch.map((m) => m.value)),
    ),
    await bus.subscribeBatch(topics.deliverPushBulk, { groupId: 'push-bulk', partitionsConcurrently: deps.bulkConcurrency, maxBatchSize: 500, background: true }, (batch) => deliverPushBatch(deps.bulk, batch.map((m) => m.value))),
  ];
}
