/** What a rule's daily interruption budget holds in its outcome. */
export interface RuleBudget {
  category: string;
  pushesPerDay: number;
  shedTo?: 'inbox' | 'digest';
}

/** What a console user starts from when they switch a budget on. */
export const SUGGESTED_BUDGET: RuleBudget = { category: 'promotions', pushesPerDay: 3, shedTo: 'inbox' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The budget of a definition (parsed JSON), or null when it sets none. Fields of the wrong type are left to validation. */
export function budgetIn(definition: unknown): Partial<RuleBudget> | null {
  if (!isObject(definition) || !isObject(definition.outcome) || !isObject(definition.outcome.budget)) return null;
  return definition.outcome.budget as Partial<RuleBudget>;
}

/** The definition with this budget in its outcome (null removes it); the rest is untouched. */
export function withBudget(definition: unknown, budget: Partial<RuleBudget> | null): Record<string, unknown> {
  const base: Record<string, unknown> = isObject(definition) ? { ...definition } : {};
  const outcome: Record<string, unknown> = isObject(base.outcome) ? { ...base.outcome } : {};
  if (budget === null) delete outcome.budget;
  else outcome.budget = budget;
  return { ...base, outcome };
}
