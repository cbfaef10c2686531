import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { DeliveryLogRepository } from '@notify/store';

/**
 * Keeps every `delivery.status` event, from every service, as the notification's history. One
 * consumer group shared by all routers: each event is written once (a redelivery may add a repeat).
 */
export function consumeStatusTrail(bus: Bus, log: DeliveryLogRepository): Promise<Subscription> {
  return bus.subscribe(topics.deliveryStatus, { groupId: 'router-status-trail', partitionsConcurrently: 8, keysConcurrently: 32 }, async ({ value }) => {
    const { version: _version, at, ...entry } = value;
    await log.append({ ...entry, at: new Date(at) });
  });
}
