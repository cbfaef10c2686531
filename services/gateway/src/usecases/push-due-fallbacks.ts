import type { Bus } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import type { BudgetRepository, InboxItem, InboxRepository } from '@notify/store';
import { shedFallbackStatus, spendFallbackBudgets, type ShedFallback } from '../fallback/fallback-budget';
import { publishStatus, statusOf } from './deliver-notification';

export interface PushDueFallbacksDeps {
  bus: Bus;
  inbox: InboxRepository;
  /** Daily interruption budgets: a fallback that carries one takes a unit of it, or is shed; without it, none is counted. */
  budgets?: BudgetRepository;
  gatewayId: string;
  now?: () => Date;
}

export interface PushDueFallbacksOptions {
  /** Due fallbacks claimed per round trip to the store. */
  batchSize: number;
  /** How long a claim holds: a fallback claimed and not cleared for this long (its gateway died in between) is taken over. */
  leaseMs: number;
}

export interface PushedFallbacks {
  /** Went out as pushes, each with how late it was (ms after its due time). */
  pushed: number[];
  /** Found acknowledged when due: nothing to push. */
  cancelled: number;
  /** Due, but over the user's daily budget: kept in the inbox without a push (a shed_budget step on the trail). */
  shed: number;
}

/**
 * The due push fallbacks of the deliver.inapp partitions this gateway holds. They are kept with their
 * inbox items, so none is lost with the gateway that stored it and none fires before its time: the
 * holder of the partition when one is due pushes it. The store decides which gateway pushes each (two
 * may both believe they hold a partition during a rebalance), and cancels acknowledged ones: an
 * acknowledged notification is never pushed. Batch after batch, until none is left that is not held
 * by another gateway.
 */
export async function pushDueFallbacks(deps: PushDueFallbacksDeps, partitions: readonly number[], options: PushDueFallbacksOptions): Promise<PushedFallbacks> {
  const result: PushedFallbacks = { pushed: [], cancelled: 0, shed: 0 };
  if (partitions.length === 0) return result;
  for (;;) {
    const now = deps.now?.() ?? new Date();
    const { claimed, cancelled, found } = await deps.inbox.claimDueFallbacks(partitions, now, { limit: options.batchSize, leaseMs: options.leaseMs });
    result.cancelled += cancelled;
    if (claimed.length > 0) {
      // A budgeted fallback takes a unit of the user's budget first (its own again after a crash), or is shed.
      const { push, shed }: { push: InboxItem[]; shed: ShedFallback[] } = deps.budgets ? await spendFallbackBudgets(deps.budgets, claimed, now) : { push: claimed, shed: [] };
      // Pushed, then cleared: after a crash in between, it is pushed again once the lease is over (the
      // push service marks each device done, so no device shows it twice).
      if (push.length > 0) await deps.bus.publish(topics.deliverPushTransactional, push.map((item) => ({ value: pushOf(item) })));
      await deps.inbox.clearFallbacks(claimed.map((item) => item.notificationId));
      await publishStatus(
        deps.bus,
        ...push.map((item) => statusOf(item, 'routed', now, deps.gatewayId, { channel: 'push', reason: `not acknowledged within ${item.fallback!.afterMs} ms: push fallback`, ...(item.fallback!.budget ? { detail: { budget: item.fallback!.budget.category } } : {}) })),
        ...shed.map((item) => shedFallbackStatus(item, now, deps.gatewayId)),
      );
      result.pushed.push(...push.map((item) => now.getTime() - item.fallback!.dueAt.getTime()));
      result.shed += shed.length;
    }
    // A full batch that moved nothing is another gateway's for now: the next sweep looks again.
    if (found < options.batchSize || claimed.length + cancelled === 0) return result;
  }
}

/** The push the router would have sent instead of the in-app notification: the same, without a fallback. */
export function pushOf(item: InboxItem): Notification {
  const fallback = item.fallback;
  return {
    version: 1,
    notificationId: item.notificationId,
    eventId: item.eventId,
    userId: item.userId,
    type: item.type,
    priority: item.priority,
    content: item.content,
    createdAt: item.createdAt.toISOString(),
    ...(item.category ? { category: item.category } : {}),
    ...(item.tenant ? { tenant: item.tenant } : {}),
    ...(item.collapseKey ? { collapseKey: item.collapseKey } : {}),
    ...(item.expiresAt ? { expiresAt: item.expiresAt.toISOString() } : {}),
    ...(fallback?.digest ? { digest: fallback.digest } : {}),
    ...(fallback?.push ? { push: fallback.push } : {}),
  };
}
