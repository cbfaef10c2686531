import { Schema, type Connection, type Model } from 'mongoose';
import { deleteInChunks } from '../mongo-sweeps';
import { isDuplicateKey } from '../mongo-writes';
import type { DeadLetterAction, DeadLetterActionRepository } from './dead-letter-action.types';

type ActionDoc = Omit<DeadLetterAction, 'letterId'> & { _id: string };

// One document per handled letter, keyed by the letter: the insert is the claim (first one wins).
const actionSchema = new Schema<ActionDoc>(
  {
    _id: { type: String, required: true },
    actionId: { type: String, required: true },
    action: { type: String, required: true },
    actor: { type: String, required: true },
    at: { type: Date, required: true },
    reason: { type: String, required: true },
    sourceTopic: { type: String, required: true },
  },
  { collection: 'dead_letter_actions', versionKey: false },
);
actionSchema.index({ at: -1 });

export class MongoDeadLetterActionRepository implements DeadLetterActionRepository {
  readonly model: Model<ActionDoc>;
  constructor(connection: Connection) {
    this.model = connection.model<ActionDoc>('DeadLetterAction', actionSchema);
  }

  async claim(actions: readonly DeadLetterAction[]): Promise<string[]> {
    if (actions.length === 0) return [];
    const docs = actions.map(({ letterId, ...rest }) => ({ _id: letterId, ...rest }));
    try {
      await this.model.insertMany(docs, { ordered: false, lean: true });
      return actions.map((a) => a.letterId);
    } catch (err) {
      // Unordered: every letter not claimed before was inserted; the duplicates are the ones handled already.
      const writeErrors = (err as { writeErrors?: Array<{ index?: number; code?: number; err?: { index?: number; code?: number } }> }).writeErrors;
      if (!writeErrors || !writeErrors.every((e) => isDuplicateKey({ code: e.code ?? e.err?.code }))) throw err;
      const refused = new Set(writeErrors.map((e) => e.index ?? e.err?.index));
      return actions.filter((_, index) => !refused.has(index)).map((a) => a.letterId);
    }
  }

  async release(letterIds: readonly string[]): Promise<void> {
    if (letterIds.length > 0) await this.model.deleteMany({ _id: { $in: [...letterIds] } });
  }

  async handled(letterIds: readonly string[]): Promise<Map<string, DeadLetterAction>> {
    if (letterIds.length === 0) return new Map();
    const docs = await this.model.find({ _id: { $in: [...letterIds] } }).lean().exec();
    return new Map(docs.map((doc) => [doc._id, fromDoc(doc)]));
  }

  async recent(limit: number): Promise<DeadLetterAction[]> {
    const docs = await this.model.find({}).sort({ at: -1, _id: -1 }).limit(limit).lean().exec();
    return docs.map(fromDoc);
  }

  async sweepOlderThan(cutoff: Date): Promise<number> {
    return deleteInChunks(this.model, { at: { $lt: cutoff } });
  }
}

function fromDoc({ _id, ...rest }: ActionDoc): DeadLetterAction {
  return { letterId: _id, ...rest } as DeadLetterAction;
}
