import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { deliverPush, type DeliverPushDeps } from '../usecases/deliver-push';

/**
 * The two push lanes, each its own consumer group with its own concurrency: a transactional push
 * never waits behind bulk sends, and only the bulk lane is rate-limited. The bulk lane is a
 * background consumer: it uses only the CPU the transactional lane leaves.
 */
export async function consumePushLanes(bus: Bus, deps: { transactional: DeliverPushDeps; bulk: DeliverPushDeps; transactionalConcurrency: number; bulkConcurrency: number }): Promise<Subscription[]> {
  return [
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 'push', partitionsConcurrently: deps.transactionalConcurrency }, (m) => deliverPush(deps.transactional, m.value)),
    await bus.subscribe(topics.deliverPushBulk, { groupId: 'push-bulk', partitionsConcurrently: deps.bulkConcurrency, background: true }, (m) => deliverPush(deps.bulk, m.value)),
  ];
}
