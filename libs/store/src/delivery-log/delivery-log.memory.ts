import { afterUserPosition, decodeHistoryCursor, decodeUserCursor, encodeCursor, newerNotificationFirst } from './delivery-log-cursor';
import type { DeliveryLogEntry, DeliveryLogQuery, DeliveryLogRepository, Page, PageRequest, UserNotification } from './delivery-log.types';

export class MemoryDeliveryLogRepository implements DeliveryLogRepository {
  private entries: Array<DeliveryLogEntry & { order: number }> = [];
  private order = 0;

  async append(entry: DeliveryLogEntry): Promise<void> {
    this.entries.push({ ...structuredClone(entry), order: this.order++ });
  }

  async appendMany(entries: readonly DeliveryLogEntry[]): Promise<void> {
    for (const entry of entries) await this.append(entry);
  }

  async history(query: DeliveryLogQuery): Promise<DeliveryLogEntry[]> {
    return this.entries
      .filter((e) => ('notificationId' in query ? e.notificationId === query.notificationId : e.eventId === query.eventId))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order)
      .map(({ order: _order, ...entry }) => structuredClone(entry));
  }

  async historyPage(query: DeliveryLogQuery, page: PageRequest): Promise<Page<DeliveryLogEntry>> {
    const after = page.cursor === undefined ? undefined : decodeHistoryCursor(page.cursor);
    const ordered = this.entries
      .filter((e) => ('notificationId' in query ? e.notificationId === query.notificationId : e.eventId === query.eventId))
      .filter((e) => !after || e.at.getTime() > after.at || (e.at.getTime() === after.at && e.order > Number(after.key)))
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
    const items = ordered.slice(0, page.limit);
    const last = items.at(-1);
    return { items: items.map(({ order: _order, ...entry }) => structuredClone(entry)), next: ordered.length > page.limit && last ? encodeCursor({ at: last.at.getTime(), key: String(last.order) }) : null };
  }

  async userNotifications(userId: string, page: PageRequest): Promise<Page<UserNotification>> {
    const after = page.cursor === undefined ? undefined : decodeUserCursor(page.cursor);
    const oldestFirst = this.entries.filter((e) => e.userId === userId && e.notificationId !== undefined).sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
    const byNotification = new Map<string, UserNotification>();
    for (const { order: _order, ...entry } of oldestFirst) {
      const firstAt = byNotification.get(entry.notificationId!)?.firstAt ?? entry.at;
      byNotification.set(entry.notificationId!, { ...structuredClone(entry), notificationId: entry.notificationId!, firstAt });
    }
    const ordered = [...byNotification.values()].filter((n) => afterUserPosition(n, after)).sort(newerNotificationFirst);
    const items = ordered.slice(0, page.limit);
    const last = items.at(-1);
    return { items, next: ordered.length > page.limit && last ? encodeCursor({ firstAt: last.firstAt.getTime(), notificationId: last.notificationId }) : null };
  }

  async expireOnServerAfter(): Promise<boolean> {
    return false;
  }

  async sweepOlderThan(cutoff: Date): Promise<number> {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.at >= cutoff);
    return before - this.entries.length;
  }
}
