import { localMinutes } from '../digests/digest-schedule';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    // Time zones are few; the cache stays small without a bound of its own beyond this.
    if (formats.size < 1000) formats.set(timeZone, format);
  }
  return format;
}

/** The calendar day it is in a time zone, as YYYY-MM-DD; UTC's day for a zone this runtime does not know. */
export function localDay(at: Date, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatFor(timeZone).formatToParts(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
  const value = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${value('year')}-${value('month')}-${value('day')}`;
}

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
