import type { BudgetRepository, BudgetSpend, BudgetTake, BudgetTakeOutcome } from './budget.types';
import { REMEMBERED_GROUPS, spendOf, takeBudgetUnits, type BudgetUnit, type BudgetUnitStore } from './budget-slots';

export class MemoryBudgetRepository implements BudgetRepository {
  private readonly units = new Map<string, BudgetUnit>();
  private readonly nextToTry = new Map<string, number>();
  private readonly store: BudgetUnitStore = {
    insert: async (units) => {
      const taken = new Set<number>();
      units.forEach((unit, position) => {
        if (this.units.has(unit._id)) taken.add(position);
        else this.units.set(unit._id, { ...unit });
      });
      return taken;
    },
    read: async (ids) => ids.flatMap((id) => (this.units.has(id) ? [{ ...this.units.get(id)! }] : [])),
  };

  take(requests: readonly BudgetTake[]): Promise<BudgetTakeOutcome[]> {
    return takeBudgetUnits(this.store, this.nextToTry, REMEMBERED_GROUPS, requests, new Date());
  }

  async spent(userId: string, day: string): Promise<BudgetSpend[]> {
    return spendOf([...this.units.values()].filter((u) => u.kind === 'unit' && u.userId === userId && u.day === day));
  }

  async sweepExpired(now: Date): Promise<number> {
    let removed = 0;
    for (const [id, unit] of this.units) {
      if (unit.expiresAt <= now) {
        this.units.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
