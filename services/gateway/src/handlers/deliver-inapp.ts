import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { deliverNotification, type DeliverNotificationDeps } from '../usecases/deliver-notification';

/** deliver.inapp → the deliver-notification use case. One consumer group shared by every gateway instance. */
export function consumeDeliverInapp(bus: Bus, deps: DeliverNotificationDeps, groupId = 'gateway'): Promise<Subscription> {
  return bus.subscribe(topics.deliverInapp, { groupId, partitionsConcurrently: 8 }, async (message) => {
    await deliverNotification(deps, message.value);
  });
}
