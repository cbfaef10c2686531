import { STATE_TIMESTAMP, SUPERSEDE_LOOKBACK, isUnread, stateRank, type AppendResult, type FallbackClaim, type FallbackClaimOptions, type InboxItem, type InboxPage, type InboxPageQuery, type InboxRepository, type InboxState, type NewInboxItem, type StateChanges, type StateRequest } from './inbox.types';

export class MemoryInboxRepository implements InboxRepository {
  private readonly byId = new Map<string, InboxItem>();
  /** Each user's items in seq order (appends only ever add a higher seq), so no query scans other users' items. */
  private readonly byUser = new Map<string, InboxItem[]>();
  private readonly sequences = new Map<string, number>();
  /** The states recorded for each item, so a repeated or racing change is recognised as such. */
  private readonly recorded = new Map<string, Set<InboxState>>();
  /** Items with a pending fallback, and when each was last claimed. */
  private readonly fallbacks = new Map<string, { item: InboxItem; claimedAt?: number }>();

  async append(item: NewInboxItem): Promise<AppendResult> {
    return this.appendOne(item);
  }

  async appendMany(items: readonly NewInboxItem[]): Promise<AppendResult[]> {
    return items.map((item) => this.appendOne(item));
  }

  private appendOne(item: NewInboxItem): AppendResult {
    const existing = this.byId.get(item.notificationId);
    if (existing) return { item: structuredClone(existing), created: false };
    const previousSeq = this.ofUser(item.userId).at(-1)?.seq ?? 0;
    const seq = (this.sequences.get(item.userId) ?? 0) + 1;
    this.sequences.set(item.userId, seq);
    const stored: InboxItem = { ...structuredClone(item), seq, state: 'sent' };
    this.byId.set(item.notificationId, stored);
    if (stored.fallback) this.fallbacks.set(item.notificationId, { item: stored });
    const ofUser = this.byUser.get(item.userId);
    if (ofUser) ofUser.push(stored);
    else this.byUser.set(item.userId, [stored]);
    const superseded = stored.collapseKey === undefined ? [] : this.supersede(stored);
    return { item: structuredClone(stored), created: true, previousSeq, ...(superseded.length > 0 ? { superseded } : {}) };
  }

  /** The user's older unread items with the new item's collapse key leave the lists and the count; the new one names the newest. */
  private supersede(stored: InboxItem): InboxItem[] {
    const open = this.ofUser(stored.userId)
      .filter((i) => i.seq < stored.seq && i.collapseKey === stored.collapseKey)
      .slice(-SUPERSEDE_LOOKBACK)
      .filter((i) => counted(i));
    for (const replaced of open) replaced.supersededBy = stored.notificationId;
    if (open.length > 0) stored.supersedes = open.at(-1)!.notificationId;
    return open.map((i) => structuredClone(i));
  }

  async listAfter(userId: string, afterSeq: number, limit: number): Promise<InboxItem[]> {
    const items = this.ofUser(userId);
    const found: InboxItem[] = [];
    for (let i = firstAfter(items, afterSeq); i < items.length && found.length < limit; i++) if (items[i]!.supersededBy === undefined) found.push(structuredClone(items[i]!));
    return found;
  }

  async newestSeq(userId: string, before = Number.POSITIVE_INFINITY): Promise<number> {
    const items = this.ofUser(userId);
    return items[firstAfter(items, before - 1) - 1]?.seq ?? 0;
  }

  async page(userId: string, query: InboxPageQuery): Promise<InboxPage> {
    const matching = this.ofUser(userId)
      .filter((i) => i.supersededBy === undefined)
      .filter((i) => query.before === undefined || i.seq < query.before)
      .filter((i) => query.includeArchived || i.state !== 'archived')
      .filter((i) => !query.unreadOnly || isUnread(i.state))
      .filter((i) => query.category === undefined || i.category === query.category)
      .reverse();
    const items = matching.slice(0, query.limit).map((i) => structuredClone(i));
    return { items, nextCursor: matching.length > query.limit ? items[items.length - 1]!.seq : null };
  }

  async get(userId: string, notificationId: string): Promise<InboxItem | null> {
    const item = this.byId.get(notificationId);
    return item && item.userId === userId ? structuredClone(item) : null;
  }

  async getMany(userId: string, notificationIds: readonly string[]): Promise<InboxItem[]> {
    return [...new Set(notificationIds)].map((id) => this.byId.get(id)).filter((i) => i !== undefined && i.userId === userId).map((i) => structuredClone(i!));
  }

  async setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null> {
    const item = this.byId.get(notificationId);
    if (!item || item.userId !== userId) return null;
    if (state !== 'sent') this.record(item, state, new Date());
    return structuredClone(item);
  }

  async recordStatesMany(requests: ReadonlyArray<StateRequest>): Promise<StateChanges[]> {
    const answers: StateChanges[] = [];
    for (const { userId, notificationIds, state } of requests) answers.push(await this.recordStates(userId, notificationIds, state));
    return answers;
  }

  async recordStates(userId: string, notificationIds: readonly string[], state: Exclude<InboxState, 'sent'>): Promise<StateChanges> {
    const changes: StateChanges = { moved: [], cleared: 0 };
    const at = new Date();
    for (const id of new Set(notificationIds)) {
      const item = this.byId.get(id);
      if (!item || item.userId !== userId) continue;
      const wasUnread = counted(item);
      if (!this.record(item, state, at)) continue;
      changes.moved.push(id);
      if (wasUnread && !isUnread(state)) changes.cleared++;
    }
    return changes;
  }

  async reached(userId: string, notificationIds: readonly string[], state: Exclude<InboxState, 'sent'>): Promise<Set<string>> {
    return new Set(notificationIds.filter((id) => {
      const item = this.byId.get(id);
      return item !== undefined && item.userId === userId && stateRank(item.state) >= stateRank(state);
    }));
  }

  /** Records the state once; the item moves only forward, and only a state that moves it gets its timestamp. */
  private record(item: InboxItem, state: Exclude<InboxState, 'sent'>, at: Date): boolean {
    let states = this.recorded.get(item.notificationId);
    if (!states) this.recorded.set(item.notificationId, (states = new Set()));
    if (states.has(state)) return false;
    states.add(state);
    if (stateRank(state) > stateRank(item.state)) {
      item.state = state;
      const field = STATE_TIMESTAMP[state];
      if (field) item[field] = at;
    }
    return true;
  }

  async markAllRead(userId: string): Promise<number> {
    const unread = this.ofUser(userId).filter(counted).map((i) => i.notificationId);
    return (await this.recordStates(userId, unread, 'read')).cleared;
  }

  async unreadCount(userId: string): Promise<number> {
    return this.ofUser(userId).filter(counted).length;
  }

  async unreadCounts(userIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(await Promise.all(userIds.map(async (userId) => [userId, await this.unreadCount(userId)] as const)));
  }

  async sweepExpired(now: Date, createdBefore?: Date): Promise<number> {
    let removed = 0;
    for (const [id, item] of this.byId) {
      if (item.fallback) continue;
      if ((item.expiresAt && item.expiresAt <= now) || (createdBefore && item.createdAt < createdBefore)) {
        this.byId.delete(id);
        this.recorded.delete(id);
        removed++;
      }
    }
    if (removed > 0) {
      for (const [userId, items] of this.byUser) {
        const kept = items.filter((i) => this.byId.get(i.notificationId) === i);
        if (kept.length > 0) this.byUser.set(userId, kept);
        else this.byUser.delete(userId);
      }
    }
    return removed;
  }

  async claimDueFallbacks(partitions: readonly number[], now: Date, { limit, leaseMs }: FallbackClaimOptions): Promise<FallbackClaim> {
    const held = new Set(partitions);
    const due = [...this.fallbacks.values()]
      .filter(({ item }) => held.has(item.fallback!.partition) && item.fallback!.dueAt <= now)
      .sort((a, b) => a.item.fallback!.dueAt.getTime() - b.item.fallback!.dueAt.getTime())
      .slice(0, limit);
    const answer: FallbackClaim = { claimed: [], cancelled: 0, found: due.length };
    for (const pending of due) {
      // Acknowledged, or replaced by a newer notification (which has its own fallback): nothing to push.
      if (stateRank(pending.item.state) >= stateRank('delivered') || pending.item.supersededBy !== undefined) {
        await this.clearFallbacks([pending.item.notificationId]);
        answer.cancelled++;
      } else if (pending.claimedAt === undefined || pending.claimedAt <= now.getTime() - leaseMs) {
        pending.claimedAt = now.getTime();
        answer.claimed.push(structuredClone(pending.item));
      }
    }
    return answer;
  }

  async clearFallbacks(notificationIds: readonly string[]): Promise<void> {
    for (const id of notificationIds) {
      const item = this.byId.get(id);
      if (item) delete item.fallback;
      this.fallbacks.delete(id);
    }
  }

  private ofUser(userId: string): InboxItem[] {
    return this.byUser.get(userId) ?? [];
  }
}

/** Whether the item is in the unread count: not read, not archived, not replaced. */
const counted = (item: InboxItem): boolean => isUnread(item.state) && item.supersededBy === undefined;

/** The index of the first item with a seq above `seq`, in a list sorted by seq (binary search). */
function firstAfter(items: readonly InboxItem[], seq: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (items[middle]!.seq > seq) high = middle;
    else low = middle + 1;
  }
  return low;
}
