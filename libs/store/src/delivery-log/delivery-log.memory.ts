import { latestPerNotification } from './latest-per-notification';
import type { DeliveryLogEntry, DeliveryLogQuery, DeliveryLogRepository } from './delivery-log.types';

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

  async recentForUser(userId: string, limit: number): Promise<Array<DeliveryLogEntry & { firstAt: Date }>> {
    const newestFirst = this.entries.filter((e) => e.userId === userId && e.notificationId !== undefined).sort((a, b) => b.at.getTime() - a.at.getTime() || b.order - a.order);
    return latestPerNotification(newestFirst.map(({ order: _order, ...entry }) => structuredClone(entry)), limit);
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
