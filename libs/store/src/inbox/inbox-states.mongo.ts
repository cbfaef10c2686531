import { Schema, type Connection, type Model } from 'mongoose';
import { compositeId, countByUser, insertMissing, insertReportingTaken } from '../mongo-writes';
import { STATE_TIMESTAMP, isUnread, stateRank, type InboxItem, type InboxState, type StateChanges } from './inbox.types';

type ReachedState = Exclude<InboxState, 'sent'>;

/**
 * "Notification N of user U reached state S at T", written once and never changed; `cleared` says
 * it left the unread count (its first read or archive). An item's state is worked out from its
 * marks when it is read, and the item itself is never updated: every state change is an insert,
 * which FerretDB v1 makes atomic, where its updates would read, change and write back whole
 * documents, losing one of two at once (and scan the collection to find the one to change).
 * A gateway's claim of an item's push fallback is a mark too, for the same reason.
 */
export interface StateMark {
  _id: string;
  notificationId: string;
  userId: string;
  /**
   * `fallback`: a gateway claimed the item's push fallback (its `attempt`-th claim).
   * `supersedes`: the item took the place of the unread item `of` (same collapse key).
   */
  state: ReachedState | 'cleared' | 'fallback' | 'supersedes';
  at: Date;
  attempt?: number;
  /** On a `cleared` mark: the item left the unread count because this notification replaced it. */
  supersededBy?: string;
  /** On a `supersedes` mark: the notification replaced. */
  of?: string;
}

/** A mark that moves the item (not `cleared`, not a fallback claim, not a replacement). */
const isReachedMark = (m: StateMark): m is StateMark & { state: ReachedState } => m.state !== 'cleared' && m.state !== 'fallback' && m.state !== 'supersedes';

const markSchema = new Schema<StateMark>(
  {
    _id: { type: String, required: true },
    notificationId: { type: String, required: true },
    userId: { type: String, required: true },
    state: { type: String, required: true },
    at: { type: Date, required: true },
    attempt: Number,
    supersededBy: String,
    of: String,
  },
  { collection: 'inbox_states', versionKey: false },
);
markSchema.index({ notificationId: 1 });
markSchema.index({ userId: 1, state: 1 });

/** The user is part of the key: marks written under another user's name cannot block the owner's. */
const markId = (userId: string, notificationId: string, state: StateMark['state'], attempt?: number) => (attempt === undefined ? compositeId(userId, notificationId, state) : compositeId(userId, notificationId, state, attempt));

export class InboxStateMarks {
  readonly model: Model<StateMark>;
  constructor(connection: Connection) {
    this.model = connection.model<StateMark>('InboxStateMark', markSchema);
  }

  /** Records the states (first time wins); how many were new. */
  async record(marks: Array<{ notificationId: string; userId: string; state: ReachedState }>, at = new Date()): Promise<number> {
    return insertMissing(
      this.model,
      marks.map((m) => ({ ...m, _id: markId(m.userId, m.notificationId, m.state), at })),
    );
  }

  /**
   * One insert for every mark of the request: the state for each notification, and for a read or
   * archive the `cleared` mark too. A taken key means the state was recorded before.
   */
  recordMany(userId: string, notificationIds: readonly string[], state: ReachedState, at = new Date()): Promise<StateChanges> {
    return this.recordAll([{ userId, notificationIds, state }], at).then(([changes]) => changes!);
  }

  /** Several users' marks with one insert; each request learns which of its marks were new. */
  async recordAll(requests: ReadonlyArray<{ userId: string; notificationIds: readonly string[]; state: ReachedState }>, at = new Date()): Promise<StateChanges[]> {
    const docs: StateMark[] = [];
    const layout = requests.map(({ userId, notificationIds, state }) => {
      const ids = [...new Set(notificationIds)];
      const clears = !isUnread(state);
      const first = docs.length;
      docs.push(...ids.map((notificationId) => ({ _id: markId(userId, notificationId, state), notificationId, userId, state, at })));
      if (clears) docs.push(...ids.map((notificationId) => ({ _id: markId(userId, notificationId, 'cleared'), notificationId, userId, state: 'cleared' as const, at })));
      return { ids, clears, first };
    });
    const taken = await insertReportingTaken(this.model, docs);
    if (taken.has(-1)) throw new Error('the server did not say which state marks were recorded before');
    return layout.map(({ ids, clears, first }) => ({
      moved: ids.filter((_, i) => !taken.has(first + i)),
      cleared: clears ? ids.filter((_, i) => !taken.has(first + ids.length + i)).length : 0,
    }));
  }

  /** The marks of these notifications of the user: one query, narrowed by the user. */
  async of(userId: string, notificationIds: readonly string[]): Promise<Map<string, StateMark[]>> {
    const byItem = new Map<string, StateMark[]>();
    if (notificationIds.length === 0) return byItem;
    const filter = notificationIds.length === 1 ? { userId, notificationId: notificationIds[0] } : { userId, notificationId: { $in: [...new Set(notificationIds)] } };
    for (const mark of await this.model.find(filter).lean().exec()) {
      const marks = byItem.get(mark.notificationId);
      if (marks) marks.push(mark);
      else byItem.set(mark.notificationId, [mark]);
    }
    return byItem;
  }

  /** The marks of these notifications, whoever their users: one query by notification. */
  async ofItems(notificationIds: readonly string[]): Promise<Map<string, StateMark[]>> {
    const byItem = new Map<string, StateMark[]>();
    if (notificationIds.length === 0) return byItem;
    for (const mark of await this.model.find({ notificationId: { $in: [...new Set(notificationIds)] } }).lean().exec()) {
      const marks = byItem.get(mark.notificationId);
      if (marks) marks.push(mark);
      else byItem.set(mark.notificationId, [mark]);
    }
    return byItem;
  }

  /**
   * Claims push fallbacks with one insert: each claim is the `attempt`-th of its item, so of racing
   * claimers exactly one inserts it. The positions (in `claims`) of those someone else took.
   */
  claimFallbacks(claims: ReadonlyArray<{ notificationId: string; userId: string; attempt: number }>, at: Date): Promise<Set<number>> {
    return insertReportingTaken(
      this.model,
      claims.map(({ notificationId, userId, attempt }) => ({ _id: markId(userId, notificationId, 'fallback', attempt), notificationId, userId, state: 'fallback' as const, at, attempt })),
    );
  }

  /**
   * Takes these items of the user out of the unread count as replaced by `by`: each one's `cleared`
   * mark, naming `by`. A read or archive inserts the same key, so of a read and a replacement racing
   * exactly one wins. The positions (in `notificationIds`) of the items already cleared (read,
   * archived or replaced by another).
   */
  supersede(userId: string, notificationIds: readonly string[], by: string, at: Date): Promise<Set<number>> {
    return insertReportingTaken(
      this.model,
      notificationIds.map((notificationId) => ({ _id: markId(userId, notificationId, 'cleared'), notificationId, userId, state: 'cleared' as const, at, supersededBy: by })),
    );
  }

  /** Records that `notificationId` took the place of `replaced` (once: a repeat changes nothing). */
  async recordSupersedes(userId: string, notificationId: string, replaced: string, at: Date): Promise<void> {
    await insertMissing(this.model, [{ _id: markId(userId, notificationId, 'supersedes'), notificationId, userId, state: 'supersedes', at, of: replaced }]);
  }

  /** How many of the user's items left the unread count. */
  cleared(userId: string): Promise<number> {
    return this.model.countDocuments({ userId, state: 'cleared' }).exec();
  }

  /** How many items of each of these users left the unread count (users with none are absent). */
  clearedByUser(userIds: readonly string[]): Promise<Map<string, number>> {
    return countByUser(this.model, { userId: { $in: userIds }, state: 'cleared' });
  }

  /** The user's items that left the unread count. */
  async clearedIds(userId: string): Promise<Set<string>> {
    return new Set((await this.model.find({ userId, state: 'cleared' }, { notificationId: 1 }).lean().exec()).map((m) => m.notificationId));
  }

  async forget(notificationIds: string[]): Promise<void> {
    await this.model.deleteMany({ notificationId: { $in: notificationIds } }).exec();
  }
}

/**
 * The item as its marks make it: the states in the order they were recorded, each one moving the
 * item only if it is past where the item already is (a late "delivered" after "read" is kept as a
 * fact but shows nowhere). The stored state is the starting point: items written before state
 * marks existed carry their state themselves.
 */
export function withMarks(item: InboxItem, marks: readonly StateMark[] = []): InboxItem {
  for (const mark of marks) {
    if (mark.state === 'cleared' && mark.supersededBy !== undefined) item.supersededBy = mark.supersededBy;
    else if (mark.state === 'supersedes' && mark.of !== undefined) item.supersedes = mark.of;
  }
  const ordered = marks.filter(isReachedMark).sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || stateRank(a.state) - stateRank(b.state));
  for (const mark of ordered) {
    if (stateRank(mark.state) <= stateRank(item.state)) continue;
    item.state = mark.state;
    const field = STATE_TIMESTAMP[mark.state];
    if (field) item[field] = new Date(mark.at);
  }
  return item;
}

/** Whether the marks say the item reached `state` or a later one. */
export function hasReached(item: Pick<InboxItem, 'state'> | undefined, marks: readonly StateMark[] = [], state: ReachedState): boolean {
  const rank = stateRank(state);
  return (item !== undefined && stateRank(item.state) >= rank) || marks.some((m) => isReachedMark(m) && stateRank(m.state) >= rank);
}
