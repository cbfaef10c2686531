import type { SendTimeProfile } from '@notify/store';
import type { Batching } from '../rules/rule-definition';
import type { z } from 'zod';
import { chooseSendTime, type SendTimeChoice } from '../send-time/best-hour';

type BatchingPolicy = z.infer<typeof Batching>;

const DAY_MINUTES = 24 * 60;

/** The local wall-clock time in a time zone, as minutes after midnight. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/**
 * When a new digest bucket is sent: at the end of its window, or, with a local time `sendAt`, at the
 * next time the user's clock shows that time (e.g. every day at 09:00 in Europe/Paris). A daylight
 * saving change before then is taken into account: the clock shows that time when it is sent (a time
 * the clock skips that night, such as 02:30 in spring, is sent an hour later).
 */
export function digestFlushAt(batching: { windowMs: number; sendAt?: string | undefined }, now: Date, timeZone = 'UTC'): Date {
  if (!batching.sendAt || !/^\d\d:\d\d$/.test(batching.sendAt)) return new Date(now.getTime() + batching.windowMs);
  const [hours, minutes] = batching.sendAt.split(':').map(Number) as [number, number];
  const target = hours * 60 + minutes;
  let wait = target - localMinutes(now, timeZone);
  if (wait <= 0) wait += DAY_MINUTES;
  const startOfMinute = new Date(now.getTime() - (now.getTime() % 60_000));
  const at = new Date(startOfMinute.getTime() + wait * 60_000);
  // The wall-clock distance is off by the hour a DST change in between moved the clock: correct it, once.
  let off = target - localMinutes(at, timeZone);
  if (off > DAY_MINUTES / 2) off -= DAY_MINUTES;
  if (off < -DAY_MINUTES / 2) off += DAY_MINUTES;
  if (off === 0) return at;
  const corrected = new Date(at.getTime() + off * 60_000);
  return corrected > now && localMinutes(corrected, timeZone) === target ? corrected : at;
}

/** When a new digest bucket is sent, and, for `sendAt: "best"`, the send time chosen for the user. */
export interface DigestSchedule {
  flushAt: Date;
  sendTime?: SendTimeChoice;
}

/**
 * Schedules a new digest bucket for a user: `sendAt: "best"` sends it at the user's learned best hour
 * (their read times, `profile`), or at the rule's `fallbackAt` until there is enough data; a fixed
 * `sendAt` at that local time; neither at the end of the window.
 */
export function scheduleDigest(batching: Pick<BatchingPolicy, 'windowMs' | 'sendAt' | 'fallbackAt'>, now: Date, timeZone: string, profile: SendTimeProfile | null = null): DigestSchedule {
  if (batching.sendAt !== 'best') return { flushAt: digestFlushAt(batching, now, timeZone) };
  const sendTime = chooseSendTime(profile, batching.fallbackAt ?? DEFAULT_FALLBACK_AT, now);
  return { flushAt: digestFlushAt({ windowMs: batching.windowMs, sendAt: sendTime.sendAt }, now, timeZone), sendTime };
}

/** A rule refuses `sendAt: "best"` without a fallbackAt; this only covers a definition stored before that check. */
const DEFAULT_FALLBACK_AT = '09:00';
