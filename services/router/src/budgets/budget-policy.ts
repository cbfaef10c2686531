import { z } from 'zod';

/**
 * A budget's name. Every rule that names the same budget draws on one count per user and local day,
 * so "promotions" can cover offers, re-engagement and newsletters alike; a user's override names it too.
 */
export const BudgetName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9]+([._:-][A-Za-z0-9]+)*$/, 'a name such as "promotions" (letters, digits, and . _ : - between them)')
  .describe('The budget category: rules naming the same one share one count per user and local day');

const PerDay = z.number().int().min(0).max(1000);

/**
 * A rule's daily interruption budget: at most `pushesPerDay` pushes per user and local day for the
 * budget category, unless the user set their own number. Critical and transactional notifications
 * always pass and are counted; once the budget is spent, lower-priority ones are shed: kept in the
 * inbox without a push, or put into the budget's digest sent when the user's next day starts, with
 * a `shed_budget` step on the trail.
 */
export const BudgetPolicy = z
  .object({
    category: BudgetName,
    pushesPerDay: PerDay.describe('Pushes per user and local day before lower-priority ones are shed'),
    shedTo: z.enum(['inbox', 'digest']).optional().describe('Where a shed notification goes: the inbox only (the default), or the next daily digest of this budget'),
  })
  .strict();
export type BudgetPolicy = z.infer<typeof BudgetPolicy>;

/** A user's own number for one budget category, in place of the rules'. */
export const BudgetOverride = z
  .object({
    category: BudgetName,
    pushesPerDay: PerDay.describe("The user's own number of pushes per local day for this budget"),
  })
  .strict();
export type BudgetOverride = z.infer<typeof BudgetOverride>;
