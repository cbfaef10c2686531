import type { Notification } from '@notify/contracts';
import type { DeliveryLane } from '../usecases/plan-delivery';

/**
 * In-app with push fallback, for a user who is offline: the push goes out now instead of after the
 * ack timeout, and the in-app copy still goes to the inbox (without a fallback) for when they come
 * back. Online users, in-app-only and push lanes are unchanged.
 */
export function applyPresence(byLane: Map<DeliveryLane, Notification[]>, isOnline: (userId: string) => boolean): Map<DeliveryLane, Notification[]> {
  const inapp = byLane.get('inapp');
  if (!inapp) return byLane;
  const result = new Map(byLane);
  const stayInapp: Notification[] = [];
  const pushNow: Notification[] = [...(byLane.get('push.transactional') ?? [])];
  for (const n of inapp) {
    if (!n.fallback || isOnline(n.userId)) {
      stayInapp.push(n);
      continue;
    }
    const { fallback: _now, ...withoutFallback } = n;
    stayInapp.push(withoutFallback);
    pushNow.push(withoutFallback);
  }
  result.set('inapp', stayInapp);
  if (pushNow.length > 0) result.set('push.transactional', pushNow);
  return result;
}
