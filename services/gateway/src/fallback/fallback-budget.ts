import type { DeliveryStatus, FallbackBudget } from '@notify/contracts';
import { BUDGET_UNIT_KEPT_MS, budgetDay, type BudgetRepository, type BudgetTake, type BudgetTakeOutcome, type InboxItem } from '@notify/store';

/** A due fallback the budget turned away: it stays in the inbox, without a push. */
export interface ShedFallback {
  item: InboxItem;
  budget: FallbackBudget;
  request: BudgetTake;
  spent: number;
}

/**
 * The unit a due fallback asks for: of the budget the router resolved for the user, on the user's
 * local day now (a fallback due after their midnight counts on the new day), under the notification's
 * own key, so a sweep repeated after a crash, or a second gateway claiming it after the lease, finds
 * the unit it holds instead of taking another. Null: the fallback has no budget.
 */
export function fallbackBudgetRequest(item: InboxItem, now: Date): BudgetTake | null {
  const budget = item.fallback?.budget;
  if (!budget) return null;
  return {
    userId: item.userId,
    day: budgetDay(now, budget.timeZone),
    budget: budget.category,
    channel: 'push',
    notificationId: item.notificationId,
    limit: budget.limit,
    mayHoldOne: true,
    expiresAt: new Date(now.getTime() + BUDGET_UNIT_KEPT_MS),
  };
}

/**
 * Splits due fallbacks by the budget's answers (`outcomes` in the order of the non-null `requests`):
 * those without a budget and those counted are pushed, the others are shed. Critical and
 * transactional ones carry no limit: they are always counted, so always pushed.
 */
export function splitFallbacks(
  items: readonly InboxItem[],
  requests: ReadonlyArray<BudgetTake | null>,
  outcomes: readonly BudgetTakeOutcome[],
): { push: InboxItem[]; shed: ShedFallback[] } {
  const push: InboxItem[] = [];
  const shed: ShedFallback[] = [];
  let next = 0;
  items.forEach((item, i) => {
    const request = requests[i];
    if (!request) {
      push.push(item);
      return;
    }
    const outcome = outcomes[next++]!;
    if (outcome.counted) push.push(item);
    else shed.push({ item, budget: item.fallback!.budget!, request, spent: outcome.spent });
  });
  return { push, shed };
}

/** Takes a unit of each budgeted fallback's budget (one call for all of them): what to push, what to shed. */
export async function spendFallbackBudgets(budgets: BudgetRepository, items: readonly InboxItem[], now: Date): Promise<{ push: InboxItem[]; shed: ShedFallback[] }> {
  const requests = items.map((item) => fallbackBudgetRequest(item, now));
  const asked = requests.filter((r): r is BudgetTake => r !== null);
  if (asked.length === 0) return { push: [...items], shed: [] };
  return splitFallbacks(items, requests, await budgets.take(asked));
}

/** The trail's step for a shed fallback: the same shape as the router's shed_budget, said by the gateway. */
export function shedFallbackStatus({ item, budget, request, spent }: ShedFallback, now: Date, gatewayId: string): DeliveryStatus {
  return {
    version: 1,
    eventId: item.eventId,
    eventType: item.type,
    notificationId: item.notificationId,
    userId: item.userId,
    status: 'shed_budget',
    channel: 'push',
    reason: `budget "${budget.category}" spent: ${spent} of ${budget.limit} pushes on ${request.day} (${budget.timeZone}); not acknowledged within ${item.fallback!.afterMs} ms, kept in the inbox without its push fallback`,
    service: 'gateway',
    at: now.toISOString(),
    detail: {
      budget: budget.category,
      limit: budget.limit,
      spent,
      day: request.day,
      timeZone: budget.timeZone,
      shedTo: 'inbox',
      fallback: true,
      gatewayId,
      ...(budget.ruleId ? { ruleId: budget.ruleId } : {}),
    },
  };
}
