import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { deliverNotification, type DeliverNotificationDeps } from '../usecases/deliver-notification';

/**
 * deliver.inapp → the deliver-notification use case. One consumer group shared by every gateway instance.
 * Users of one partition are served side by side; each user's notifications stay in order.
 */
export function consumeDeliverInapp(bus: Bus, deps: DeliverNotificationDeps, groupId = 'gateway'): Promise<Subscription> {
  return bus.subscribe(topics.deliverInapp, { groupId, partitionsConcurrently: 8, keysConcurrently: 32 }, async (message) => {
    await deliverNotification(deps, message.value);
  });
}
