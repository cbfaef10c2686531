import { Schema, type Connection, type Model } from 'mongoose';
import { compositeId, insertMissing } from '../mongo-writes';
import { INBOX_STATES, STATE_TIMESTAMP, stateRank, type InboxState } from './inbox.types';

/**
 * "Notification N reached state S at T", written once and never changed. An item's state is the
 * furthest state it has a mark for, so racing acks (delivered, read, archived, mark-all-read) can
 * arrive in any order and the item still only moves forward: there is no update to lose.
 */
export interface StateMark {
  _id: string;
  notificationId: string;
  userId: string;
  state: InboxState;
  at: Date;
}

const markSchema = new Schema<StateMark>(
  {
    _id: { type: String, required: true },
    notificationId: { type: String, required: true },
    userId: { type: String, required: true },
    state: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'inbox_states', versionKey: false },
);
markSchema.index({ notificationId: 1 });

/** The state fields of an inbox document, as its marks say they should be. */
export interface StateFields {
  state: InboxState;
  stateRank: number;
  deliveredAt?: Date;
  seenAt?: Date;
  readAt?: Date;
  archivedAt?: Date;
}

export class InboxStateMarks {
  readonly model: Model<StateMark>;
  constructor(connection: Connection) {
    this.model = connection.model<StateMark>('InboxStateMark', markSchema);
  }

  /** Records the states (first time wins); how many were new. */
  async record(marks: Array<{ notificationId: string; userId: string; state: InboxState }>, at = new Date()): Promise<number> {
    return insertMissing(
      this.model,
      marks.map((m) => ({ ...m, _id: compositeId(m.notificationId, m.state), at })),
    );
  }

  /**
   * The state fields each document should have: its own, raised by its marks. Every write of these
   * fields comes from marks, so a document is never ahead of its marks, except one stored before
   * marks existed; starting from the document keeps such a one where it is.
   */
  async expected(docs: Array<Partial<StateFields> & { _id: string }>): Promise<Map<string, StateFields>> {
    const marks = await this.marksOf(docs.map((d) => d._id));
    const fields = new Map<string, StateFields>(docs.map((d) => [d._id, stateFieldsOf(d)]));
    for (const mark of marks) {
      const target = fields.get(mark.notificationId);
      if (!target) continue;
      const timestamp = STATE_TIMESTAMP[mark.state];
      if (timestamp) target[timestamp] = new Date(mark.at);
      if (stateRank(mark.state) > target.stateRank) Object.assign(target, { state: mark.state, stateRank: stateRank(mark.state) });
    }
    return fields;
  }

  /** For one or two notifications, `_id` lookups (FerretDB v1 scans the collection for any other filter). */
  private async marksOf(notificationIds: string[]): Promise<StateMark[]> {
    if (notificationIds.length > 2) return this.model.find({ notificationId: { $in: notificationIds } }).lean().exec();
    const ids = notificationIds.flatMap((id) => INBOX_STATES.slice(1).map((state) => compositeId(id, state)));
    return (await Promise.all(ids.map((id) => this.model.findById(id).lean().exec()))).filter((m) => m !== null);
  }

  async forget(notificationIds: string[]): Promise<void> {
    await this.model.deleteMany({ notificationId: { $in: notificationIds } }).exec();
  }
}

function stateFieldsOf(doc: Partial<StateFields>): StateFields {
  const fields: StateFields = { state: doc.state ?? INBOX_STATES[0], stateRank: stateRank(doc.state ?? INBOX_STATES[0]) };
  for (const f of Object.values(STATE_TIMESTAMP)) if (doc[f]) fields[f] = new Date(doc[f]);
  return fields;
}

/** True when a document's state fields already are the expected ones. */
export function matches(doc: Partial<StateFields>, expected: StateFields): boolean {
  const same = (a?: Date, b?: Date) => (a ? b !== undefined && new Date(a).getTime() === b.getTime() : b === undefined);
  return doc.state === expected.state && doc.stateRank === expected.stateRank && Object.values(STATE_TIMESTAMP).every((f) => same(doc[f], expected[f]));
}
