import type { Batching } from '../rules/rule-definition';
import type { z } from 'zod';

type BatchingPolicy = z.infer<typeof Batching>;

/** The local wall-clock time in a time zone, as minutes after midnight. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/**
 * When a new digest bucket is sent: at the end of its window, or, with `sendAt`, at the next time the
 * user's clock shows that time (e.g. every day at 09:00 in Europe/Paris). Computed from the wall-clock
 * distance, so a DST change between now and then shifts it by that hour.
 */
export function digestFlushAt(batching: Pick<BatchingPolicy, 'windowMs' | 'sendAt'>, now: Date, timeZone = 'UTC'): Date {
  if (!batching.sendAt) return new Date(now.getTime() + batching.windowMs);
  const [hours, minutes] = batching.sendAt.split(':').map(Number) as [number, number];
  const target = hours * 60 + minutes;
  const current = localMinutes(now, timeZone);
  let wait = target - current;
  if (wait <= 0) wait += 24 * 60;
  const startOfMinute = new Date(now.getTime() - (now.getTime() % 60_000));
  return new Date(startOfMinute.getTime() + wait * 60_000);
}
