import type { Notification } from '@notify/contracts';
import type { Preferences } from '@notify/store';
import type { DeliveryLane } from '../usecases/plan-delivery';

export interface OptOutResult {
  /** Notifications still to deliver, by the lane each now takes. */
  byLane: Map<DeliveryLane, Notification[]>;
  suppressed: Array<{ notification: Notification; reason: string }>;
}

/** Whether the user opted out of the category on a channel ('all' covers both). */
export function optedOut(prefs: Preferences | null | undefined, category: string | undefined, channel: 'inapp' | 'push'): boolean {
  if (!prefs || !category) return false;
  return prefs.optOuts.some((o) => o.category === category && (o.channel === channel || o.channel === 'all'));
}

/**
 * Applies each recipient's opt-outs to a planned delivery. In-app with push fallback loses the
 * fallback when push is opted out, and becomes an immediate push when in-app is opted out;
 * anything left with no channel is suppressed, with the reason.
 */
export function applyOptOuts(lane: DeliveryLane, notifications: readonly Notification[], prefsOf: (userId: string) => Preferences | null | undefined): OptOutResult {
  const byLane = new Map<DeliveryLane, Notification[]>();
  const suppressed: OptOutResult['suppressed'] = [];
  const send = (target: DeliveryLane, n: Notification) => byLane.set(target, [...(byLane.get(target) ?? []), n]);
  for (const n of notifications) {
    const prefs = prefsOf(n.userId);
    const noInapp = optedOut(prefs, n.category, 'inapp');
    const noPush = optedOut(prefs, n.category, 'push');
    if (lane !== 'inapp') {
      if (noPush) suppressed.push({ notification: n, reason: `opted out of ${n.category} push notifications` });
      else send(lane, n);
    } else if (!noInapp) {
      if (noPush && n.fallback) {
        const { fallback: _dropped, ...withoutFallback } = n;
        send('inapp', withoutFallback);
      } else send('inapp', n);
    } else if (n.fallback && !noPush) {
      const { fallback: _dropped, ...pushOnly } = n;
      send('push.transactional', pushOnly);
    } else suppressed.push({ notification: n, reason: `opted out of ${n.category} ${n.fallback ? 'in-app and push' : 'in-app'} notifications` });
  }
  return { byLane, suppressed };
}
