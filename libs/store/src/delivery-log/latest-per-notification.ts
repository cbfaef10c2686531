import type { DeliveryLogEntry } from './delivery-log.types';

/**
 * From a user's steps, newest first: each notification once, as its newest step, with its oldest
 * step's time among those given; the first `limit` notifications.
 */
export function latestPerNotification(newestFirst: readonly DeliveryLogEntry[], limit: number): Array<DeliveryLogEntry & { firstAt: Date }> {
  const byNotification = new Map<string, DeliveryLogEntry & { firstAt: Date }>();
  for (const entry of newestFirst) {
    const id = entry.notificationId!;
    const seen = byNotification.get(id);
    if (seen) seen.firstAt = entry.at;
    else if (byNotification.size < limit) byNotification.set(id, { ...entry, firstAt: entry.at });
  }
  return [...byNotification.values()];
}
