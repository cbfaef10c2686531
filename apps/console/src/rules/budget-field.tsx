import { SUGGESTED_BUDGET, budgetIn, withBudget, type RuleBudget } from './budget';

interface Props {
  /** The definition as typed (JSON); the budget is read from it and written back into it. */
  definitionText: string;
  onChange: (definitionText: string) => void;
}

/**
 * The rule's daily interruption budget as fields: pushes per user and local day for a budget category
 * (rules naming the same category share it); critical and transactional notifications always pass and
 * count, the others are shed once it is spent. Edits rewrite the definition's JSON, validated as any other edit.
 */
export function BudgetField({ definitionText, onChange }: Props) {
  let definition: unknown;
  try {
    definition = JSON.parse(definitionText);
  } catch {
    return null; // the definition's own verdict says what is wrong with the JSON
  }
  const budget = budgetIn(definition);
  const write = (next: Partial<RuleBudget> | null) => onChange(JSON.stringify(withBudget(definition, next), null, 2));
  return (
    <fieldset class="budget">
      <legend>Daily budget</legend>
      <label class="row">
        <input type="checkbox" checked={budget !== null} onChange={(e) => write(e.currentTarget.checked ? SUGGESTED_BUDGET : null)} /> Limit pushes per user and day
      </label>
      {budget && (
        <div class="row">
          <div>
            <label for="rule-budget-category">Budget category</label>
            <input id="rule-budget-category" type="text" maxLength={64} value={budget.category ?? ''} onInput={(e) => write({ ...budget, category: e.currentTarget.value })} />
          </div>
          <div>
            <label for="rule-budget-pushes">Pushes per day</label>
            <input id="rule-budget-pushes" type="number" min={0} max={1000} value={budget.pushesPerDay ?? ''} onInput={(e) => write({ ...budget, pushesPerDay: Number(e.currentTarget.value) })} />
          </div>
          <div>
            <label for="rule-budget-shed">When spent</label>
            <select id="rule-budget-shed" value={budget.shedTo ?? 'inbox'} onChange={(e) => write({ ...budget, shedTo: e.currentTarget.value as RuleBudget['shedTo'] })}>
              <option value="inbox">inbox only</option>
              <option value="digest">next day's digest</option>
            </select>
          </div>
        </div>
      )}
      <p class="muted">
        Counted per user and local day (their time zone), shared by every rule naming the same category; a user may set their own number. Critical and transactional notifications always pass and count; the others are shed once it is spent, with a <code>shed_budget</code> step on the trail.
      </p>
    </fieldset>
  );
}
