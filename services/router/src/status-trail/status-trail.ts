import type { Bus, Subscription } from '@notify/bus';
import { topics, type DeliveryStatus } from '@notify/contracts';
import type { DeliveryLogRepository } from '@notify/store';

/**
 * Keeps every `delivery.status` event, from every service, as the notification's history. One
 * consumer group shared by all routers: each event is written once (a redelivery may add a repeat),
 * a whole fetch of a partition with one insert. Bookkeeping, so a background consumer: the history
 * may trail by a moment under load, while the urgent lanes in the same process keep the CPU they need.
 * `observe` sees every status kept (the lanes' routed → socket latency).
 */
export function consumeStatusTrail(bus: Bus, log: DeliveryLogRepository, observe: (status: DeliveryStatus) => void = () => {}): Promise<Subscription> {
  return bus.subscribeBatch(topics.deliveryStatus, { groupId: 'router-status-trail', partitionsConcurrently: 8, maxBatchSize: 1000, background: true }, async (batch) => {
    await log.appendMany(batch.map(({ value: { version: _version, at, ...entry } }) => ({ ...entry, at: new Date(at) })));
    // Once written: a slice retried after a failed write is observed once.
    for (const { value } of batch) observe(value);
  });
}
