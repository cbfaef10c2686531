import { Schema, type Connection, type Model } from 'mongoose';
import { TransientError } from '../errors';
import { deleteInChunks } from '../mongo-sweeps';
import { countByUser, isDuplicateKey } from '../mongo-writes';
import { InboxSequence } from './inbox-sequence';
import { InboxStateMarks, hasReached, withMarks } from './inbox-states.mongo';
import { SUPERSEDE_LOOKBACK, isUnread, type AppendResult, type FallbackClaim, type FallbackClaimOptions, type InboxItem, type InboxPage, type InboxPageQuery, type InboxRepository, type InboxState, type NewInboxItem, type PendingFallback, type StateChanges, type StateRequest } from './inbox.types';

/**
 * `_id` is the notificationId: a redelivered notification is a duplicate key. Items are inserted
 * and never updated: their state comes from their state marks (see inbox-states.mongo.ts); items
 * stored before the marks existed keep their own state fields. The one change is the removal of a
 * pending fallback's fields once it is done with: every writer of them removes the same fields, so
 * FerretDB's read-and-write-back of a document loses nothing.
 *
 * A pending fallback's due time and partition are fields of their own at the top level, where a
 * range and an equality are answered from an index (FerretDB pushes ranges on top-level fields down
 * to PostgreSQL); the rest of it is `fallback`.
 */
type InboxDoc = Omit<InboxItem, 'notificationId' | 'fallback'> & {
  _id: string;
  stateRank?: number;
  fallbackDueAt?: Date;
  fallbackPartition?: number;
  fallback?: Omit<PendingFallback, 'dueAt' | 'partition'>;
};

/** How often a batch may find a number taken by another writer before it gives up for now. */
const MAX_CONFLICTS = 20;
/** Items a page reads at a time while filtering by state. */
const PAGE_CHUNK = 200;

const inboxSchema = new Schema<InboxDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    priority: { type: String, required: true },
    category: String,
    tenant: String,
    content: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: Date,
    collapseKey: String,
    seq: { type: Number, required: true },
    state: { type: String, required: true },
    stateRank: Number,
    deliveredAt: Date,
    seenAt: Date,
    readAt: Date,
    archivedAt: Date,
    fallbackDueAt: Date,
    fallbackPartition: Number,
    fallback: Schema.Types.Mixed,
  },
  { collection: 'inbox', versionKey: false, minimize: false },
);
// The cursor: unique, so two writers can never give one user's number twice.
inboxSchema.index({ userId: 1, seq: 1 }, { unique: true });
// Retention is `sweepExpired`, which deletes an item's state marks with it.
inboxSchema.index({ expiresAt: 1 });
inboxSchema.index({ createdAt: 1 });
// The fallback sweep: due fallbacks are a range of it (the few not yet pushed or cleared).
inboxSchema.index({ fallbackDueAt: 1 });

export class MongoInboxRepository implements InboxRepository {
  readonly model: Model<InboxDoc>;
  readonly marks: InboxStateMarks;
  readonly sequence: InboxSequence;
  constructor(connection: Connection, sequence = new InboxSequence()) {
    this.model = connection.model<InboxDoc>('InboxItem', inboxSchema);
    this.marks = new InboxStateMarks(connection);
    this.sequence = sequence;
  }

  async append(item: NewInboxItem): Promise<AppendResult> {
    return (await this.appendMany([item]))[0]!;
  }

  /**
   * One ordered insert for the batch, numbered without reading: see InboxSequence. A duplicate key
   * stops an ordered insert at that item, which is read to tell why: stored before (a redelivery:
   * its stored version is the answer), or its number taken by another writer (the user's numbers
   * move on). The rest of the batch goes in with the next insert.
   */
  async appendMany(items: readonly NewInboxItem[]): Promise<AppendResult[]> {
    const results: AppendResult[] = new Array(items.length);
    // The same notification twice in one batch: stored once, the second is its redelivery.
    const firstOf = new Map<string, number>();
    const pending: number[] = [];
    items.forEach((item, index) => {
      if (!firstOf.has(item.notificationId)) {
        firstOf.set(item.notificationId, index);
        pending.push(index);
      }
    });
    await this.sequence.exclusive(
      pending.map((i) => items[i]!.userId),
      async () => {
        await this.insertNumbered(items, pending, results);
        await this.supersedeFor(pending.map((i) => results[i]!));
      },
    );
    items.forEach((item, index) => {
      const first = firstOf.get(item.notificationId)!;
      if (first !== index) results[index] = { item: structuredClone(results[first]!.item), created: false };
    });
    return results;
  }

  private async insertNumbered(items: readonly NewInboxItem[], indexes: number[], results: AppendResult[]): Promise<void> {
    let pending = indexes;
    // Users whose number another writer took: what came just before their next item is not known.
    const contested = new Set<string>();
    for (let conflicts = 0; pending.length > 0; ) {
      const next = new Map<string, number>();
      const numbered = pending.map((index) => {
        const { userId } = items[index]!;
        const seq = next.get(userId) ?? this.sequence.next(userId);
        // Known for every item but a user's first since this process numbered for them.
        const previousSeq = next.has(userId) ? seq - 1 : contested.has(userId) ? undefined : this.sequence.lastOf(userId);
        next.set(userId, seq + 1);
        return { index, previousSeq, item: { ...structuredClone(items[index]!), seq, state: 'sent' as const } };
      });
      const stoppedAt = await this.insertInOrder(numbered.map(({ item }) => toDoc(item)));
      for (const { index, item, previousSeq } of numbered.slice(0, stoppedAt ?? numbered.length)) {
        this.sequence.taken(item.userId, item.seq);
        results[index] = { item, created: true, ...(previousSeq === undefined ? {} : { previousSeq }) };
      }
      if (stoppedAt === undefined) return;
      const { index, item } = numbered[stoppedAt]!;
      const stored = await this.getMany(item.userId, [item.notificationId]);
      if (stored.length > 0) {
        results[index] = { item: stored[0]!, created: false };
        pending = numbered.slice(stoppedAt + 1).map((n) => n.index);
      } else if (await this.model.exists({ _id: item.notificationId }).exec()) {
        throw new Error(`notification ${item.notificationId} is already in the inbox of another user`);
      } else {
        if (++conflicts > MAX_CONFLICTS) throw new TransientError(`could not number the inbox items of ${item.userId}: its numbers keep being taken`);
        this.sequence.conflict(item.userId, item.seq);
        contested.add(item.userId);
        pending = numbered.slice(stoppedAt).map((n) => n.index);
      }
    }
  }

  /**
   * Settles each (user, collapse key) of the batch once, all at the same time, by its newest item:
   * the batch's earlier updates of a key are replaced along with what the key held before (they
   * then say by what, and are handed to no one). A redelivered item does the same: if its first
   * delivery stopped between storing and replacing, this finishes it; otherwise it finds nothing
   * left to do. The items this replaced are reported on the newest item's result.
   */
  private async supersedeFor(results: readonly AppendResult[]): Promise<void> {
    const groups = new Map<string, AppendResult[]>();
    for (const result of results) {
      const { userId, collapseKey, supersededBy } = result.item;
      if (collapseKey === undefined || supersededBy !== undefined) continue;
      const key = JSON.stringify([userId, collapseKey]);
      const group = groups.get(key);
      if (group) group.push(result);
      else groups.set(key, [result]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const newest = group.reduce((a, b) => (b.item.seq > a.item.seq ? b : a));
        const superseded = await this.settle(newest.item);
        for (const { item } of group) {
          const replacedBy = superseded.find((s) => s.notificationId === item.notificationId)?.supersededBy;
          if (replacedBy !== undefined) item.supersededBy = replacedBy;
        }
        if (superseded.length > 0) newest.superseded = superseded;
      }),
    );
  }

  /**
   * Leaves one unread item of the user's collapse key, the newest: every other unread one is
   * replaced by it. One read of the key's newest items and their marks, one insert. The decision
   * is each replaced item's `cleared` mark (see InboxStateMarks.supersede): an item read meanwhile,
   * or replaced by a racing writer, is not this call's to replace. Looking at the whole key, not
   * only below `item`, makes two writers storing two updates at once agree: whichever reads last
   * sees both. Updates `item` (what replaced it, or what it replaced); answers what this call replaced.
   */
  private async settle(item: InboxItem): Promise<InboxItem[]> {
    const { userId, collapseKey } = item;
    const docs = await this.model.find({ userId, collapseKey }).sort({ seq: -1 }).limit(SUPERSEDE_LOOKBACK).lean().exec();
    const marks = await this.marks.of(userId, docs.map((d) => d._id));
    const clearedOf = (doc: InboxDoc) => (marks.get(doc._id) ?? []).find((m) => m.state === 'cleared');
    const open = docs.filter((doc) => !clearedOf(doc) && isUnread(doc.state));
    const winner = open[0];
    if (winner === undefined) return [];
    const losers = open.slice(1);
    const at = new Date();
    const taken = await this.marks.supersede(userId, losers.map((d) => d._id), winner._id, at);
    if (taken.has(-1)) throw new Error('the server did not say which replaced items were cleared before');
    const won = losers.filter((_, i) => !taken.has(i));
    let supersedes = (marks.get(winner._id) ?? []).find((m) => m.state === 'supersedes')?.of;
    if (supersedes === undefined) {
      // The newest this call replaced, or one an earlier delivery replaced without recording it on the winner.
      const replaced = docs.find((doc) => won.includes(doc) || clearedOf(doc)?.supersededBy === winner._id);
      if (replaced !== undefined) {
        await this.marks.recordSupersedes(userId, winner._id, replaced._id, at);
        supersedes = replaced._id;
      }
    }
    if (winner._id === item.notificationId && supersedes !== undefined) item.supersedes = supersedes;
    const own = docs.find((doc) => doc._id === item.notificationId);
    if (own !== undefined) {
      const replacedBy = won.includes(own) ? winner._id : clearedOf(own)?.supersededBy;
      if (replacedBy !== undefined) item.supersededBy = replacedBy;
    }
    return won.map((doc) => ({ ...withMarks(toItem(doc), marks.get(doc._id)), supersededBy: winner._id }));
  }

  /** Inserts in order; the position of the document whose key was taken, where the insert stopped. */
  private async insertInOrder(docs: InboxDoc[]): Promise<number | undefined> {
    try {
      // The driver's own insert: the documents are built here, mongoose's casting would only cost time.
      await this.model.collection.insertMany(docs as never[], { ordered: true });
      return undefined;
    } catch (err) {
      const failed = (err as { writeErrors?: Array<{ index?: number; code?: number }> | { index?: number; code?: number } }).writeErrors;
      const first = Array.isArray(failed) ? failed[0] : failed;
      if (!isDuplicateKey(first ?? err) || typeof first?.index !== 'number') throw err;
      return first.index;
    }
  }

  /** Replaced items are read and left out, so a page is full unless the inbox has no more. */
  async listAfter(userId: string, afterSeq: number, limit: number): Promise<InboxItem[]> {
    const found: InboxItem[] = [];
    for (let after = afterSeq; ; ) {
      const docs = await this.model.find({ userId, seq: { $gt: after } }).sort({ seq: 1 }).limit(limit).lean().exec();
      found.push(...(await this.withMarks(docs)).filter((i) => i.supersededBy === undefined));
      if (found.length >= limit || docs.length < limit) return found.slice(0, limit);
      after = docs.at(-1)!.seq;
    }
  }

  async newestSeq(userId: string, before?: number): Promise<number> {
    const newest = await this.model.findOne(before === undefined ? { userId } : { userId, seq: { $lt: before } }, { seq: 1 }).sort({ seq: -1 }).lean().exec();
    return newest?.seq ?? 0;
  }

  /** Newest first; state filters are applied to the items with their marks, a chunk at a time. */
  async page(userId: string, query: InboxPageQuery): Promise<InboxPage> {
    const matching: InboxItem[] = [];
    // Without a state filter every item read is on the page: read no more than the page needs.
    const chunkSize = query.unreadOnly || !query.includeArchived ? Math.max(PAGE_CHUNK, query.limit + 1) : query.limit + 1;
    let before = query.before;
    for (;;) {
      const filter: Record<string, unknown> = { userId };
      if (before !== undefined) filter.seq = { $lt: before };
      if (query.category !== undefined) filter.category = query.category;
      const chunk = await this.withMarks(await this.model.find(filter).sort({ seq: -1 }).limit(chunkSize).lean().exec());
      matching.push(...chunk.filter((i) => i.supersededBy === undefined && (query.includeArchived || i.state !== 'archived') && (!query.unreadOnly || isUnread(i.state))));
      if (matching.length > query.limit || chunk.length < chunkSize) break;
      before = chunk.at(-1)!.seq;
    }
    const items = matching.slice(0, query.limit);
    return { items, nextCursor: matching.length > query.limit ? items[items.length - 1]!.seq : null };
  }

  async get(userId: string, notificationId: string): Promise<InboxItem | null> {
    return (await this.getMany(userId, [notificationId]))[0] ?? null;
  }

  async getMany(userId: string, notificationIds: readonly string[]): Promise<InboxItem[]> {
    const ids = [...new Set(notificationIds)];
    if (ids.length === 0) return [];
    // Narrowed by the user: FerretDB v1 filters by an equality inside PostgreSQL, by `$in` only after reading every row.
    const docs = await this.model.find(ids.length === 1 ? { userId, _id: ids[0] } : { userId, _id: { $in: ids } }).lean().exec();
    return this.withMarks(docs);
  }

  async setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null> {
    const item = await this.get(userId, notificationId);
    if (!item || state === 'sent') return item;
    await this.marks.recordMany(userId, [notificationId], state);
    return this.get(userId, notificationId);
  }

  async recordStates(userId: string, notificationIds: readonly string[], state: Exclude<InboxState, 'sent'>): Promise<StateChanges> {
    if (notificationIds.length === 0) return { moved: [], cleared: 0 };
    return this.marks.recordMany(userId, notificationIds, state);
  }

  recordStatesMany(requests: ReadonlyArray<StateRequest>): Promise<StateChanges[]> {
    return this.marks.recordAll(requests);
  }

  async reached(userId: string, notificationIds: readonly string[], state: Exclude<InboxState, 'sent'>): Promise<Set<string>> {
    const marks = await this.marks.of(userId, notificationIds);
    return new Set(notificationIds.filter((id) => hasReached(undefined, marks.get(id), state)));
  }

  async markAllRead(userId: string): Promise<number> {
    const [docs, cleared] = await Promise.all([this.model.find({ userId }, { _id: 1, state: 1 }).lean().exec(), this.marks.clearedIds(userId)]);
    const unread = docs.filter((d) => isUnread(d.state) && !cleared.has(d._id)).map((d) => d._id);
    return (await this.recordStates(userId, unread, 'read')).cleared;
  }

  /** The user's items, less those that left the unread count: two counts, each narrowed by the user. */
  async unreadCount(userId: string): Promise<number> {
    const [items, cleared] = await Promise.all([this.model.countDocuments({ userId }).exec(), this.marks.cleared(userId)]);
    return Math.max(0, items - cleared);
  }

  /** Two grouped counts for all the users together, the same subtraction per user. */
  async unreadCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    const users = [...new Set(userIds)];
    const counts = new Map(users.map((userId) => [userId, 0]));
    if (users.length === 0) return counts;
    const [items, cleared] = await Promise.all([countByUser(this.model, { userId: { $in: users } }), this.marks.clearedByUser(users)]);
    for (const userId of users) counts.set(userId, Math.max(0, (items.get(userId) ?? 0) - (cleared.get(userId) ?? 0)));
    return counts;
  }

  /**
   * In batches, each a few queries whatever its size (FerretDB v1 scans the collection once per
   * query): find, delete by `_id`, forget the state marks. Deleting by the found ids, not by the
   * date filter again, so an item stored meanwhile is never deleted by mistake.
   */
  async sweepExpired(now: Date, createdBefore?: Date): Promise<number> {
    // Two ranges, not an $or of them: a server answers each from its index (FerretDB scans for an $or).
    // An item whose fallback is pending is left for the fallback sweep (filtered after the range).
    const beforeDelete = (ids: string[]) => this.marks.forget(ids);
    const noFallback = { fallbackDueAt: { $exists: false } };
    let removed = await deleteInChunks(this.model, { expiresAt: { $lte: now }, ...noFallback }, { beforeDelete });
    if (createdBefore) removed += await deleteInChunks(this.model, { createdAt: { $lt: createdBefore }, ...noFallback }, { beforeDelete });
    return removed;
  }

  /**
   * One range read of the due fallbacks, one read of their marks (acknowledged? claimed, when?), one
   * insert of claims: a claim is a state mark numbered by attempt, so of two racing claimers one
   * inserts it (a conditional update would have several winners on FerretDB v1), and a claim whose
   * lease is over is followed by the next attempt, again won by one.
   */
  async claimDueFallbacks(partitions: readonly number[], now: Date, { limit, leaseMs }: FallbackClaimOptions): Promise<FallbackClaim> {
    if (partitions.length === 0) return { claimed: [], cancelled: 0, found: 0 };
    const held = partitions.length === 1 ? partitions[0] : { $in: [...partitions] };
    const docs = await this.model.find({ fallbackDueAt: { $lte: now }, fallbackPartition: held }).sort({ fallbackDueAt: 1 }).limit(limit).lean().exec();
    if (docs.length === 0) return { claimed: [], cancelled: 0, found: 0 };
    const marks = await this.marks.ofItems(docs.map((d) => d._id));
    const acknowledged: string[] = [];
    const candidates: Array<{ doc: InboxDoc; attempt: number }> = [];
    for (const doc of docs) {
      const own = marks.get(doc._id);
      // Acknowledged, or replaced by a newer notification (which has its own fallback): nothing to push.
      if (hasReached(doc, own, 'delivered') || own?.some((m) => m.state === 'cleared' && m.supersededBy !== undefined)) {
        acknowledged.push(doc._id);
        continue;
      }
      const last = (own ?? []).filter((m) => m.state === 'fallback').sort((a, b) => (b.attempt ?? 0) - (a.attempt ?? 0))[0];
      if (last && new Date(last.at).getTime() > now.getTime() - leaseMs) continue; // someone is pushing it
      candidates.push({ doc, attempt: (last?.attempt ?? 0) + 1 });
    }
    const taken = await this.marks.claimFallbacks(
      candidates.map(({ doc, attempt }) => ({ notificationId: doc._id, userId: doc.userId, attempt })),
      now,
    );
    if (taken.has(-1)) throw new Error('the server did not say which fallback claims were taken');
    await this.clearFallbacks(acknowledged);
    const claimed = candidates.filter((_, i) => !taken.has(i)).map(({ doc }) => withMarks(toItem(doc), marks.get(doc._id)));
    return { claimed, cancelled: acknowledged.length, found: docs.length };
  }

  async clearFallbacks(notificationIds: readonly string[]): Promise<void> {
    if (notificationIds.length === 0) return;
    const ids = [...new Set(notificationIds)];
    await this.model.updateMany({ _id: ids.length === 1 ? ids[0] : { $in: ids } }, { $unset: { fallbackDueAt: 1, fallbackPartition: 1, fallback: 1 } }).exec();
  }

  private async withMarks(docs: InboxDoc[]): Promise<InboxItem[]> {
    if (docs.length === 0) return [];
    const marks = await this.marks.of(docs[0]!.userId, docs.map((d) => d._id));
    return docs.map((d) => withMarks(toItem(d), marks.get(d._id)));
  }
}

function toDoc(item: InboxItem): InboxDoc {
  const { notificationId, fallback, ...fields } = item;
  if (!fallback) return { _id: notificationId, ...fields };
  const { dueAt, partition, ...rest } = fallback;
  return { _id: notificationId, ...fields, fallbackDueAt: dueAt, fallbackPartition: partition, fallback: rest };
}

function toItem(doc: InboxDoc): InboxItem {
  const { _id, stateRank: _rank, fallbackDueAt, fallbackPartition, fallback, ...item } = doc;
  if (!fallbackDueAt || fallbackPartition === undefined || !fallback) return { notificationId: _id, ...item };
  return { notificationId: _id, ...item, fallback: { ...fallback, dueAt: fallbackDueAt, partition: fallbackPartition } };
}
