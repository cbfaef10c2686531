import type { Notification } from '@notify/contracts';
import type { Preferences, SendTimeProfile } from '@notify/store';
import { scheduleDigest } from '../digests/digest-schedule';
import type { SendTimeChoice } from '../send-time/best-hour';
import { applyOptOuts } from '../preferences/apply-opt-outs';
import { quietUntil } from '../preferences/quiet-hours';
import { applyPresence } from '../presence/apply-presence';
import type { EffectiveOutcome } from '../rules/defaults';
import type { DeliveryLane } from './plan-delivery';

/** The digest a rule's batched notifications collect in; the defaults have one of their own. */
export const digestKeyOf = (ruleId: string | null): string => ruleId ?? 'defaults:marketing';

/**
 * What routing does with one notification. A notification can have two fates (in-app with an
 * immediate push for a user who is offline), one per lane.
 */
export type RecipientFate =
  /** Written to the lane now; a push under a rate cap first takes a slot of the cap (or is rate-capped). */
  | { kind: 'send'; lane: DeliveryLane; notification: Notification; rateCap: NonNullable<EffectiveOutcome['rateCap']> | null }
  /** Collected into the user's digest, sent at flushAt (the window's end, or the end of their quiet hours). */
  | { kind: 'digest'; lane: 'push.bulk'; notification: Notification; digestKey: string; flushAt: Date; maxItems: number; sendTime?: SendTimeChoice }
  /** A push in the user's quiet hours, held until they end. */
  | { kind: 'held_quiet_hours'; lane: DeliveryLane; notification: Notification; until: Date }
  /** Not delivered: opted out (no lane), or a push dropped in the user's quiet hours (with its lane). */
  | { kind: 'suppressed'; notification: Notification; reason: string; lane?: DeliveryLane; quietUntil?: Date };

export interface DeliveryDecisionInput {
  ruleId: string | null;
  outcome: EffectiveOutcome;
  /** The lane and notifications planDelivery chose. */
  lane: DeliveryLane;
  notifications: readonly Notification[];
  category: string | undefined;
  isOnline: (userId: string) => boolean;
  /** The preferences of the given users (null: none); asked only for the users whose preferences matter. */
  preferencesOf: (userIds: string[]) => Promise<Map<string, Preferences | null>>;
  /** What was learned of the given users' read times (those with none are absent), for digests sent at their best hour; without it, those use their fallback. */
  sendTimesOf?: (userIds: string[]) => Promise<Map<string, SendTimeProfile>>;
  now: Date;
}

/**
 * Decides, for each notification of a planned delivery, what routing does with it: opt-outs, presence,
 * quiet hours, digests and rate caps, in that order. Routing carries the decision out (writes, slots,
 * digests); the rules dry run reports it. One function for both, so a dry run says what routing does.
 */
export async function decideDelivery(input: DeliveryDecisionInput): Promise<RecipientFate[]> {
  const { outcome, now } = input;
  // Opt-outs need every recipient's preferences; quiet hours only those of users left on a push lane.
  const optOutsApply = Boolean(input.category) && !outcome.ignoreOptOut;
  const preferences = await input.preferencesOf(optOutsApply ? unique(input.notifications.map((n) => n.userId)) : []);
  const loadMissing = async (userIds: string[]) => {
    for (const [userId, prefs] of await input.preferencesOf(unique(userIds.filter((u) => !preferences.has(u))))) preferences.set(userId, prefs);
  };
  const { byLane: allowed, suppressed: optedOut } = applyOptOuts(input.lane, input.notifications, (userId) => (optOutsApply ? preferences.get(userId) : null));
  const byLane = applyPresence(allowed, input.isOnline);
  if (outcome.quietHours !== 'deliver') await loadMissing([...byLane].filter(([lane]) => lane !== 'inapp').flatMap(([, list]) => list.map((n) => n.userId)));
  const quietEnds = (userId: string) => (outcome.quietHours === 'deliver' ? null : quietUntil(preferences.get(userId), now));

  const fates: RecipientFate[] = [];
  const droppedQuiet: RecipientFate[] = [];
  for (const [lane, notifications] of byLane) {
    if (lane === 'push.bulk' && outcome.batching) {
      const batching = outcome.batching;
      // A digest sent at a local time needs the user's time zone; at their best hour, what their reads say (one read for all).
      if (batching.sendAt) await loadMissing(notifications.map((n) => n.userId));
      const sendTimes = batching.sendAt === 'best' && input.sendTimesOf ? await input.sendTimesOf(unique(notifications.map((n) => n.userId))) : null;
      for (const n of notifications) {
        const { flushAt: scheduled, sendTime } = scheduleDigest(batching, now, batching.sendAt ? (preferences.get(n.userId)?.timeZone ?? 'UTC') : 'UTC', sendTimes?.get(n.userId) ?? null);
        const quietEnd = quietEnds(n.userId);
        // A digest whose window ends in the user's quiet hours waits for them to end.
        fates.push({ kind: 'digest', lane, notification: n, digestKey: digestKeyOf(input.ruleId), flushAt: quietEnd && quietEnd > scheduled ? quietEnd : scheduled, maxItems: batching.maxItems, ...(sendTime ? { sendTime } : {}) });
      }
      continue;
    }
    for (const n of notifications) {
      // Quiet hours silence pushes only; the in-app copy waits in the inbox anyway.
      const until = lane === 'inapp' ? null : quietEnds(n.userId);
      if (until && outcome.quietHours === 'drop') droppedQuiet.push({ kind: 'suppressed', notification: n, reason: 'in the user’s quiet hours', lane, quietUntil: until });
      else if (until) fates.push({ kind: 'held_quiet_hours', lane, notification: n, until });
      else fates.push({ kind: 'send', lane, notification: n, rateCap: lane !== 'inapp' && outcome.rateCap ? outcome.rateCap : null });
    }
  }
  return [...fates, ...optedOut.map(({ notification, reason }): RecipientFate => ({ kind: 'suppressed', notification, reason })), ...droppedQuiet];
}

const unique = (userIds: string[]) => [...new Set(userIds)];
