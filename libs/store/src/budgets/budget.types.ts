/** What a daily budget counts: pushes, or in-app notifications shown live (toasts). */
export type BudgetChannel = 'push' | 'toast';

/** One notification asking for one unit of a user's budget for a local day. */
export interface BudgetTake {
  userId: string;
  /** The user's local calendar day, YYYY-MM-DD: the budget starts again at their midnight. */
  day: string;
  /** The budget category (rules naming the same one share its count). */
  budget: string;
  channel: BudgetChannel;
  /** Who takes the unit: the same notification asking again gets its own unit back, never a second one. */
  notificationId: string;
  /** Units a day this notification may use; null: it passes whatever was spent (critical, transactional) and is still counted. */
  limit: number | null;
  /** The notification may have been counted before (its event was read again): look for its own unit first. */
  mayHoldOne?: boolean;
  /** When the unit may be forgotten (after the local day is over everywhere). */
  expiresAt: Date;
}

/** What became of one request: counted (it was the `position`-th unit of the day), or over the limit. */
export type BudgetTakeOutcome = { counted: true; position: number; again: boolean } | { counted: false; spent: number };

/** Units spent by a user on one local day, per budget and channel. */
export interface BudgetSpend {
  budget: string;
  channel: BudgetChannel;
  count: number;
}

/**
 * Daily interruption budgets, kept as insert-only facts: the n-th unit of a (user, day, budget,
 * channel) is one document under a unique key naming its holder, so racing routers never hand out
 * more units than the limit, and a notification read again (a replay after a rebalance or a crash)
 * finds the unit it holds instead of counting twice. Nothing is ever incremented.
 */
export interface BudgetRepository {
  /** Per request, in order: counted or not. Requests of one group are served in order. */
  take(requests: readonly BudgetTake[]): Promise<BudgetTakeOutcome[]>;
  /** What a user spent on a local day (users and days without spend: empty). */
  spent(userId: string, day: string): Promise<BudgetSpend[]>;
  /** Deletes units past their expiry. */
  sweepExpired(now: Date): Promise<number>;
}
