import { localMinutes } from '../digests/digest-schedule';

/** The calendar day it is in a time zone, as YYYY-MM-DD (the store's, so the gateway counts the same day). */
export { budgetDay as localDay } from '@notify/store';

/** The next midnight in a time zone: when a daily budget starts again (a DST change that day moves it by that hour). */
export function nextLocalMidnight(at: Date, timeZone: string): Date {
  let current: number;
  try {
    current = localMinutes(at, timeZone);
  } catch {
    current = localMinutes(at, 'UTC');
  }
  const startOfMinute = at.getTime() - (at.getTime() % 60_000);
  return new Date(startOfMinute + (24 * 60 - current) * 60_000);
}
