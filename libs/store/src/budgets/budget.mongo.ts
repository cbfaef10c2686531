import { Schema, type Connection, type Model } from 'mongoose';
import { insertReportingTaken } from '../mongo-writes';
import { deleteInChunks } from '../mongo-sweeps';
import type { BudgetRepository, BudgetSpend, BudgetTake, BudgetTakeOutcome } from './budget.types';
import { REMEMBERED_GROUPS, spendOf, takeBudgetUnits, type BudgetUnit, type BudgetUnitStore } from './budget-slots';

const unitSchema = new Schema<BudgetUnit>(
  {
    // (user, day, budget, channel, slot) for a unit, (…, "holder", notification) for its holder fact:
    // the unique `_id` decides between racing routers, and reads by `_id` never scan.
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    userId: { type: String, required: true },
    day: { type: String, required: true },
    budget: { type: String, required: true },
    channel: { type: String, required: true },
    slot: { type: Number, required: true },
    notificationId: { type: String, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'budget_units', versionKey: false },
);
// A user's spend for a day (the console's user view); the index on `expiresAt` is made by createMongoStore.
unitSchema.index({ userId: 1, day: 1 });

export class MongoBudgetRepository implements BudgetRepository {
  readonly model: Model<BudgetUnit>;
  private readonly nextToTry = new Map<string, number>();
  private readonly store: BudgetUnitStore;

  constructor(connection: Connection) {
    this.model = connection.model<BudgetUnit>('BudgetUnit', unitSchema);
    this.store = {
      insert: async (units) => {
        const taken = await insertReportingTaken(this.model, units);
        if (taken.has(-1)) throw new Error('the server did not say which budget units were taken');
        return taken;
      },
      read: async (ids) => (ids.length === 0 ? [] : this.model.find({ _id: { $in: ids } }).lean<BudgetUnit[]>().exec()),
    };
  }

  take(requests: readonly BudgetTake[]): Promise<BudgetTakeOutcome[]> {
    return takeBudgetUnits(this.store, this.nextToTry, REMEMBERED_GROUPS, requests, new Date());
  }

  async spent(userId: string, day: string): Promise<BudgetSpend[]> {
    // A user's units of one day are few (their budgets' sizes): counted here rather than by a $group every server may not have.
    const units = await this.model.find({ userId, day, kind: 'unit' }, { budget: 1, channel: 1 }).lean<Array<Pick<BudgetUnit, 'budget' | 'channel'>>>().exec();
    return spendOf(units);
  }

  sweepExpired(now: Date): Promise<number> {
    return deleteInChunks(this.model, { expiresAt: { $lte: now } });
  }
}
