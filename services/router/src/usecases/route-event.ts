import { NonRetriableError, type Bus } from '@notify/bus';
import { topics, type NotifyEvent } from '@notify/contracts';
import type { RuleSet } from '../rules/compile';
import { planDelivery, statusesOf, type DeliveryLane } from './plan-delivery';

const laneTopics = { inapp: topics.deliverInapp, 'push.transactional': topics.deliverPushTransactional, 'push.bulk': topics.deliverPushBulk } satisfies Record<DeliveryLane, unknown>;

/** Evaluates the rules for an event, writes its notifications to their lane and every decision to delivery.status. */
export async function routeEvent(bus: Bus, rules: RuleSet, event: NotifyEvent, now = new Date()): Promise<void> {
  const { ruleId, outcome } = rules.evaluate(event);
  const plan = planDelivery(event, outcome, now);
  if (plan.kind === 'unroutable') throw new NonRetriableError('no_recipient', plan.reason);
  if (plan.kind === 'deliver') await bus.publish(laneTopics[plan.lane], plan.notifications.map((value) => ({ value })));
  await bus.publish(topics.deliveryStatus, statusesOf(event, plan, now, ruleId).map((value) => ({ value })));
}
