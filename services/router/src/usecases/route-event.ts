import { NonRetriableError, type Bus } from '@notify/bus';
import { topics, type NotifyEvent } from '@notify/contracts';
import { planDelivery, statusesOf } from './plan-delivery';

/** Plans an event's delivery and writes the notifications to their lane and the decisions to delivery.status. */
export async function routeEvent(bus: Bus, event: NotifyEvent, now = new Date()): Promise<void> {
  const plan = planDelivery(event, now);
  if (plan.kind === 'unroutable') throw new NonRetriableError('no_recipient', plan.reason);
  if (plan.kind === 'deliver') {
    const lane = plan.lane === 'inapp' ? topics.deliverInapp : topics.deliverPushBulk;
    await bus.publish(lane, plan.notifications.map((value) => ({ value })));
  }
  await bus.publish(topics.deliveryStatus, statusesOf(event, plan, now).map((value) => ({ value })));
}
