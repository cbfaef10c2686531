import { useEffect, useState } from 'preact/hooks';
import { errorText, type Api } from '../api';

interface Spend {
  day: string;
  timeZone: string;
  spent: Array<{ budget: string; channel: string; count: number }>;
}

/** What a user spent of their daily interruption budgets today (their local day): one read of the budget units. */
export function BudgetSpendLine({ api, userId }: { api: Api; userId: string }) {
  const [spend, setSpend] = useState<Spend | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setSpend(null);
    api.get<Spend>(`/v1/users/${encodeURIComponent(userId)}/budgets`).then(
      (s) => current && setSpend(s),
      (err) => current && setError(errorText(err)),
    );
    return () => {
      current = false;
    };
  }, [api, userId]);
  if (error) return <p class="muted">Budgets: {error}</p>;
  if (!spend) return null;
  return (
    <p class="muted" data-testid="budget-spend">
      Budgets spent today ({spend.day}, {spend.timeZone}): {spend.spent.length === 0 ? 'none' : spend.spent.map((s) => `${s.budget}: ${s.count} ${s.channel}${s.count === 1 ? '' : s.channel === 'push' ? 'es' : 's'}`).join(', ')}
    </p>
  );
}
