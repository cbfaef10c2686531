import { STATE_TIMESTAMP, isUnread, stateRank, type InboxItem, type InboxPage, type InboxPageQuery, type InboxRepository, type InboxState, type NewInboxItem } from './inbox.types';

export class MemoryInboxRepository implements InboxRepository {
  private readonly byId = new Map<string, InboxItem>();
  /** Each user's items in seq order (appends only ever add a higher seq), so no query scans other users' items. */
  private readonly byUser = new Map<string, InboxItem[]>();
  private readonly sequences = new Map<string, number>();

  async append(item: NewInboxItem): Promise<{ item: InboxItem; created: boolean }> {
    const existing = this.byId.get(item.notificationId);
    if (existing) return { item: structuredClone(existing), created: false };
    const seq = (this.sequences.get(item.userId) ?? 0) + 1;
    this.sequences.set(item.userId, seq);
    const stored: InboxItem = { ...structuredClone(item), seq, state: 'sent' };
    this.byId.set(item.notificationId, stored);
    const ofUser = this.byUser.get(item.userId);
    if (ofUser) ofUser.push(stored);
    else this.byUser.set(item.userId, [stored]);
    return { item: structuredClone(stored), created: true };
  }

  async listAfter(userId: string, afterSeq: number, limit: number): Promise<InboxItem[]> {
    const items = this.ofUser(userId);
    const first = firstAfter(items, afterSeq);
    return items.slice(first, first + limit).map((i) => structuredClone(i));
  }

  async page(userId: string, query: InboxPageQuery): Promise<InboxPage> {
    const matching = this.ofUser(userId)
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

  async setState(userId: string, notificationId: string, state: InboxState): Promise<InboxItem | null> {
    const item = this.byId.get(notificationId);
    if (!item || item.userId !== userId) return null;
    if (stateRank(state) > stateRank(item.state)) {
      item.state = state;
      const field = STATE_TIMESTAMP[state];
      if (field) item[field] = new Date();
    }
    return structuredClone(item);
  }

  async markAllRead(userId: string): Promise<number> {
    let changed = 0;
    for (const item of this.ofUser(userId)) {
      if (isUnread(item.state)) {
        item.state = 'read';
        item.readAt = new Date();
        changed++;
      }
    }
    return changed;
  }

  async unreadCount(userId: string): Promise<number> {
    return this.ofUser(userId).filter((i) => isUnread(i.state)).length;
  }

  async sweepExpired(now: Date, createdBefore?: Date): Promise<number> {
    let removed = 0;
    for (const [id, item] of this.byId) {
      if ((item.expiresAt && item.expiresAt <= now) || (createdBefore && item.createdAt < createdBefore)) {
        this.byId.delete(id);
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

  private ofUser(userId: string): InboxItem[] {
    return this.byUser.get(userId) ?? [];
  }
}

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
