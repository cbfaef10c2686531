import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { DeliveryLogRepository } from '@notify/store';

/**
 * Keeps every `delivery.status` event, from every service, as the notification's history. One
 * consumer group shared by all routers: each event is written once (a redelivery may add a repeat).
 * Bookkeeping, so a background consumer: the history may trail by a moment under load, while the
 * urgent lanes in the same process keep the CPU they need.
 */
export function consumeStatusTrail(bus: Bus, log: DeliveryLogRepository): Promise<Subscription> {
  return bus.subscribe(topics.deliveryStatus, { groupId: 'router-status-trail', partitionsConcurrently: 8, keysConcurrently: 32, background: true }, async ({ value }) => {
    const { version: _version, at, ...entry } = value;
    await log.append({ ...entry, at: new Date(at) });
  });
}
