import { Schema, type Connection, type Model } from 'mongoose';
import { insertReportingTaken } from '../mongo-writes';
import { deleteInChunks } from '../mongo-sweeps';
import type { BudgetRepository, BudgetSpend, BudgetTake, BudgetTakeOutcome } from './budget.types';
import { takeBudgetUnits, type BudgetUnit, type BudgetUnitStore } from './budget-slots';

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

/** Units a router remembers the next free slot of (a hint only). */
const REMEMBERED_GROUPS = 50_000;

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
    const groups = await this.model
      .aggregate<{ _id: { budget: string; channel: BudgetSpend['channel'] }; count: number }>([
        { $match: { userId, day, kind: 'unit' } },
        { $group: { _id: { budget: '$budget', channel: '$channel' }, count: { $sum: 1 } } },
      ])
      .exec();
    return groups.map((g) => ({ budget: g._id.budget, channel: g._id.channel, count: g.count })).sort((a, b) => a.budget.localeCompare(b.budget) || a.channel.localeCompare(b.channel));
  }

  sweepExpired(now: Date): Promise<number> {
    return deleteInChunks(this.model, { expiresAt: { $lte: now } });
  }
}
