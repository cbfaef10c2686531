import type { BudgetRepository, BudgetSpend, BudgetTake, BudgetTakeOutcome } from './budget.types';
import { takeBudgetUnits, type BudgetUnit, type BudgetUnitStore } from './budget-slots';

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
    return takeBudgetUnits(this.store, this.nextToTry, 50_000, requests, new Date());
  }

  async spent(userId: string, day: string): Promise<BudgetSpend[]> {
    const counts = new Map<string, BudgetSpend>();
    for (const unit of this.units.values()) {
      if (unit.kind !== 'unit' || unit.userId !== userId || unit.day !== day) continue;
      const key = `${unit.budget}\u0000${unit.channel}`;
      const spend = counts.get(key) ?? { budget: unit.budget, channel: unit.channel, count: 0 };
      spend.count++;
      counts.set(key, spend);
    }
    return [...counts.values()].sort((a, b) => a.budget.localeCompare(b.budget) || a.channel.localeCompare(b.channel));
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
