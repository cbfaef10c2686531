import type { DeliveryStatus, Notification, PriorityClass } from '@notify/contracts';
import { BUDGET_UNIT_KEPT_MS, type BudgetTake, type BudgetTakeOutcome, type Preferences } from '@notify/store';
import { quietUntil } from '../preferences/quiet-hours';
import type { BudgetPolicy } from './budget-policy';
import { localDay, nextLocalMidnight } from './local-day';


/** The digest key shed notifications of a budget collect in (with shedTo "digest"). */
export const BUDGET_DIGEST_PREFIX = 'budget:';
export const budgetDigestKey = (category: string) => `${BUDGET_DIGEST_PREFIX}${category}`;
export const BUDGET_DIGEST_TEMPLATE = { title: '{{count}} more notifications', body: '{{latest.title}}' } as const;

/** Critical and transactional notifications always pass a budget (and are counted); the others pass while it lasts. */
export function alwaysPasses(priority: PriorityClass): boolean {
  return priority === 'critical' || priority === 'transactional';
}

/** The pushes a day a user has for a budget: their own number when they set one, else the rule's. */
export function pushesPerDay(policy: BudgetPolicy, preferences: Preferences | null | undefined): number {
  return preferences?.budgets?.find((b) => b.category === policy.category)?.pushesPerDay ?? policy.pushesPerDay;
}

/** The budget a notification asks for: counted per user, per local day of their time zone (UTC when unknown). */
export function budgetRequest(n: Notification, policy: BudgetPolicy, preferences: Preferences | null | undefined, now: Date, mayHoldOne: boolean): BudgetTake {
  return {
    userId: n.userId,
    day: localDay(now, preferences?.timeZone ?? 'UTC'),
    budget: policy.category,
    channel: 'push',
    notificationId: n.notificationId,
    limit: alwaysPasses(n.priority) ? null : pushesPerDay(policy, preferences),
    mayHoldOne,
    expiresAt: new Date(now.getTime() + BUDGET_UNIT_KEPT_MS),
  };
}

/** A push the budget turned away, and where it goes instead. */
export interface Shed {
  notification: Notification;
  request: BudgetTake;
  spent: number;
  timeZone: string;
  /** With shedTo "digest": when the digest goes out (the user's next midnight, or the end of their quiet hours then). */
  sendAt?: Date;
}

/** Splits pushes by the budget's answers: those that go out now (counted), and those shed. */
export function splitByBudget(
  notifications: readonly Notification[],
  requests: readonly BudgetTake[],
  outcomes: readonly BudgetTakeOutcome[],
  policy: BudgetPolicy,
  preferencesOf: (userId: string) => Preferences | null | undefined,
  now: Date,
): { pass: Array<{ notification: Notification; position: number }>; shed: Shed[] } {
  const pass: Array<{ notification: Notification; position: number }> = [];
  const shed: Shed[] = [];
  notifications.forEach((notification, i) => {
    const outcome = outcomes[i]!;
    if (outcome.counted) {
      pass.push({ notification, position: outcome.position });
      return;
    }
    const preferences = preferencesOf(notification.userId);
    const timeZone = preferences?.timeZone ?? 'UTC';
    const item: Shed = { notification, request: requests[i]!, spent: outcome.spent, timeZone };
    if (policy.shedTo === 'digest') {
      const midnight = nextLocalMidnight(now, timeZone);
      // A budget starting again inside the user's quiet hours waits for them to end.
      item.sendAt = quietUntil(preferences, midnight) ?? midnight;
    }
    shed.push(item);
  });
  return { pass, shed };
}

/** The trail's step for a shed push: which budget, how much of it was spent, and where the notification went. */
export function shedStatus(item: Shed, policy: BudgetPolicy, ruleId: string | null, now: Date): DeliveryStatus {
  const { notification: n, request, spent, timeZone } = item;
  const where = item.sendAt ? `put into the ${policy.category} digest sent ${item.sendAt.toISOString()}` : 'kept in the inbox without a push';
  return {
    version: 1,
    eventId: n.eventId,
    eventType: n.type,
    notificationId: n.notificationId,
    userId: n.userId,
    status: 'shed_budget',
    channel: 'push',
    reason: `budget "${policy.category}" spent: ${spent} of ${request.limit} pushes on ${request.day} (${timeZone}); ${where}`,
    service: 'router',
    at: now.toISOString(),
    detail: {
      budget: policy.category,
      limit: request.limit,
      spent,
      day: request.day,
      timeZone,
      shedTo: policy.shedTo ?? 'inbox',
      ...(item.sendAt ? { sendAt: item.sendAt.toISOString() } : {}),
      ...(ruleId ? { ruleId } : {}),
    },
  };
}

/** The in-app copy of a shed push: kept in the inbox, without a push fallback. */
export function inboxCopy(n: Notification): Notification {
  const { fallback: _none, ...copy } = n;
  return copy;
}
