import type { Preferences } from '@notify/store';
import { localMinutes } from '../digests/digest-schedule';

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/**
 * When the user's quiet hours end, if they are in them now (in their own time zone; windows may
 * cross midnight, e.g. 22:00–07:00); null outside quiet hours or without any.
 */
export function quietUntil(prefs: Preferences | null | undefined, now: Date): Date | null {
  if (!prefs?.quietHours) return null;
  const start = minutesOf(prefs.quietHours.start);
  const end = minutesOf(prefs.quietHours.end);
  if (start === end) return null;
  const current = localMinutes(now, prefs.timeZone);
  const inQuiet = start < end ? current >= start && current < end : current >= start || current < end;
  if (!inQuiet) return null;
  const wait = (end - current + 24 * 60) % (24 * 60);
  const startOfMinute = now.getTime() - (now.getTime() % 60_000);
  return new Date(startOfMinute + wait * 60_000);
}

/** The digest key of pushes held through quiet hours. */
export const QUIET_HOURS_DIGEST = 'quiet-hours';
export const QUIET_HOURS_TEMPLATE = { title: 'While you were away: {{count}} notifications', body: '{{latest.title}}' } as const;
