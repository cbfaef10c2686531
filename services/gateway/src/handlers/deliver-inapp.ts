import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { deliverNotifications, type DeliverNotificationDeps } from '../usecases/deliver-notification';

/**
 * deliver.inapp → the deliver-notifications use case, a slice of one partition's fetch at a time
 * (one inbox write, one hand-over per user, one status write per slice). One consumer group shared
 * by every gateway instance; a user's notifications are in one partition, so they stay in order.
 */
export function consumeDeliverInapp(bus: Bus, deps: DeliverNotificationDeps, groupId = 'gateway'): Promise<Subscription> {
  return bus.subscribeBatch(topics.deliverInapp, { groupId, partitionsConcurrently: 8, maxBatchSize: 500 }, async (batch) => {
    // A slice is of one partition: the one its push fallbacks are stored under.
    await deliverNotifications(
      deps,
      batch.map((message) => message.value),
      batch[0]?.partition ?? 0,
    );
  });
}
