import { Schema, type Connection, type Model } from 'mongoose';
import { compositeId, insertMissing } from '../mongo-writes';

/** "User U's cursor has reached S": written before items are swept, so their numbers are never handed out again. */
interface SeqFloor {
  _id: string;
  userId: string;
  seq: number;
}

const floorSchema = new Schema<SeqFloor>(
  { _id: { type: String, required: true }, userId: { type: String, required: true }, seq: { type: Number, required: true } },
  { collection: 'inbox_seq_floors', versionKey: false },
);
floorSchema.index({ userId: 1, seq: -1 });

/**
 * Hands out each user's next inbox cursor: one above the highest stored item, and above any floor.
 * No counter document: FerretDB v1 loses concurrent `$inc`s. The caller inserts under the unique
 * (userId, seq) index, which settles a race: the loser asks again. A number becomes visible only
 * after every smaller one of that user did, so a reader resuming from a cursor never skips one.
 */
export class InboxSequence {
  readonly floors: Model<SeqFloor>;
  constructor(
    connection: Connection,
    private readonly highestStored: (userId: string) => Promise<number>,
  ) {
    this.floors = connection.model<SeqFloor>('InboxSeqFloor', floorSchema);
  }

  async next(userId: string): Promise<number> {
    // Items first, then floors: the sweeper writes the floor before deleting, so one of the two
    // reads sees the highest number whatever the interleaving.
    const stored = await this.highestStored(userId);
    const floor = await this.floors.findOne({ userId }, { seq: 1 }).sort({ seq: -1 }).lean().exec();
    return Math.max(stored, floor?.seq ?? 0) + 1;
  }

  /** Call before deleting these items. Floors are inserted, never updated, so racing sweepers cannot lower one. */
  async protect(items: Array<{ userId: string; seq: number }>): Promise<void> {
    const highest = new Map<string, number>();
    for (const { userId, seq } of items) highest.set(userId, Math.max(seq, highest.get(userId) ?? 0));
    await insertMissing(
      this.floors,
      [...highest].map(([userId, seq]) => ({ _id: compositeId(userId, seq), userId, seq })),
    );
    // Lower floors say nothing the highest does not. One read and one delete for all these users,
    // not one per user: FerretDB v1 scans the collection for each.
    const held = await this.floors.find({ userId: { $in: [...highest.keys()] } }, { userId: 1, seq: 1 }).lean().exec();
    const lower = held.filter((f) => f.seq < highest.get(f.userId)!).map((f) => f._id);
    if (lower.length > 0) await this.floors.deleteMany({ _id: { $in: lower } }).exec();
  }
}
