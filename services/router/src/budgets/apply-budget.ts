import { topics, type FallbackBudget, type Notification, type NotifyEvent } from '@notify/contracts';
import type { BudgetRepository, DigestRepository, Preferences } from '@notify/store';
import type { Outbox } from '../usecases/outbox';
import type { BudgetPolicy } from './budget-policy';
import { alwaysPasses, budgetDigestKey, budgetRequest, inboxCopy, pushesPerDay, shedStatus, splitByBudget, type Shed } from './decide-budget';

/**
 * Takes one unit of each recipient's budget for these pushes (one write for all of them): what is
 * counted goes out, what is over a recipient's budget is shed. `mayHoldOne`: the event was read
 * before, so a push counted then gets its own unit back instead of a second one.
 */
export async function spendBudget(
  budgets: BudgetRepository,
  policy: BudgetPolicy,
  notifications: readonly Notification[],
  preferencesOf: (userIds: string[]) => Promise<Map<string, Preferences | null>>,
  now: Date,
  mayHoldOne: boolean,
): Promise<{ pass: Notification[]; shed: Shed[] }> {
  if (notifications.length === 0) return { pass: [], shed: [] };
  const preferences = await preferencesOf([...new Set(notifications.map((n) => n.userId))]);
  const requests = notifications.map((n) => budgetRequest(n, policy, preferences.get(n.userId), now, mayHoldOne));
  const outcomes = await budgets.take(requests);
  const { pass, shed } = splitByBudget(notifications, requests, outcomes, policy, (userId) => preferences.get(userId), now);
  return { pass: pass.map((p) => p.notification), shed };
}

/**
 * In-app notifications with a push fallback carry the budget that push draws on, resolved for each
 * user now (their own number or the rule's, their time zone): the gateway that sends the fallback
 * later takes a unit of it on the user's day then, or keeps the notification in the inbox without
 * the push once the budget is spent.
 */
export async function budgetFallbacks(
  policy: BudgetPolicy,
  notifications: readonly Notification[],
  preferencesOf: (userIds: string[]) => Promise<Map<string, Preferences | null>>,
  ruleId: string | null,
): Promise<Notification[]> {
  const withFallback = notifications.filter((n) => n.fallback);
  if (withFallback.length === 0) return [...notifications];
  const preferences = await preferencesOf([...new Set(withFallback.map((n) => n.userId))]);
  return notifications.map((n) => {
    if (!n.fallback) return n;
    const own = preferences.get(n.userId);
    const budget: FallbackBudget = { category: policy.category, limit: alwaysPasses(n.priority) ? null : pushesPerDay(policy, own), timeZone: own?.timeZone ?? 'UTC', ...(ruleId ? { ruleId } : {}) };
    return { ...n, fallback: { ...n.fallback, budget } };
  });
}

/**
 * Carries out the shedding: into the budget's digest (shedTo "digest"), or into the inbox without a
 * push (unless the in-app copy is already on its way), and a `shed_budget` step for each on the trail.
 */
export async function shedOverBudget(
  deps: { digests: DigestRepository },
  outbox: Outbox,
  event: NotifyEvent,
  policy: BudgetPolicy,
  shed: readonly Shed[],
  alreadyInInbox: ReadonlySet<string>,
  ruleId: string | null,
  itemOf: (event: NotifyEvent, n: Notification, now: Date) => Parameters<DigestRepository['add']>[0]['item'],
  now: Date,
): Promise<void> {
  if (shed.length === 0) return;
  const toInbox: Notification[] = [];
  for (const item of shed) {
    const n = item.notification;
    if (item.sendAt) await deps.digests.add({ userId: n.userId, digestKey: budgetDigestKey(policy.category), item: itemOf(event, n, now), flushAt: item.sendAt, maxItems: 1000 });
    else if (!alreadyInInbox.has(n.notificationId)) toInbox.push(inboxCopy(n));
  }
  if (toInbox.length > 0) outbox.add(topics.deliverInapp, ...toInbox);
  outbox.add(topics.deliveryStatus, ...shed.map((item) => shedStatus(item, policy, ruleId, now)));
}
