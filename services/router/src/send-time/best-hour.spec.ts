import { describe, expect, it } from 'vitest';
import type { SendTimeProfile } from '@notify/store';
import { bestHour, chooseSendTime, smoothed } from './best-hour';
import { recordReads, SEND_TIME_POLICY } from './read-histogram';

const DAY_MS = 24 * 60 * 60 * 1000;
const weights = (entries: Record<number, number>) => Array.from({ length: 24 }, (_, h) => entries[h] ?? 0);

/** A profile of reads at `hourUtc` (UTC) on `days` consecutive days ending the day before `now`. */
function readsAt(hourUtc: number, days: number, now: Date): SendTimeProfile {
  const reads = Array.from({ length: days }, (_, i) => new Date(now.getTime() - (i + 1) * DAY_MS + (hourUtc - now.getUTCHours()) * 3_600_000));
  return recordReads(null, 'u', reads, 'UTC', now).profile;
}

describe('smoothed and bestHour', () => {
  it('spreads each hour over its neighbours, around midnight too', () => {
    expect(smoothed(weights({ 0: 4 }))).toEqual(weights({ 23: 1, 0: 2, 1: 1 }));
  });

  it('picks the hour with the most smoothed weight: 19:58 and 20:03 are one habit', () => {
    // 19 has the most reads of any one hour, but 20 sits between 19 and 21.
    expect(bestHour(weights({ 19: 3, 20: 2.5, 21: 2, 8: 2.9 }), 9)).toBe(20);
  });

  it('gives ties to the hour nearest the fallback, then the earlier', () => {
    expect(bestHour(weights({ 8: 1, 20: 1 }), 9)).toBe(8);
    expect(bestHour(weights({ 8: 1, 20: 1 }), 18)).toBe(20);
    expect(bestHour(weights({ 1: 1, 22: 1 }), 0)).toBe(1); // around midnight: 1 is one hour from 0, 22 two
    expect(bestHour(weights({ 10: 1, 14: 1 }), 12)).toBe(10);
    expect(bestHour(weights({}), 9)).toBeNull();
  });
});

describe('chooseSendTime', () => {
  const now = new Date('2026-12-02T12:00:00Z');

  it('uses the fallback until there are enough reading hours, then the learned hour on the hour', () => {
    expect(chooseSendTime(null, '09:30', now)).toEqual({ sendAt: '09:30', source: 'fallback', hour: null, confidence: 0, samples: 0, weight: 0 });
    const few = chooseSendTime(readsAt(20, SEND_TIME_POLICY.minSamples - 1, now), '09:30', now);
    expect(few).toMatchObject({ sendAt: '09:30', source: 'fallback', hour: 20, confidence: 1, samples: 4 });
    const enough = chooseSendTime(readsAt(20, SEND_TIME_POLICY.minSamples, now), '09:30', now);
    expect(enough).toMatchObject({ sendAt: '20:00', source: 'learned', hour: 20, confidence: 1, samples: 5 });
    expect(enough.weight).toBeGreaterThan(SEND_TIME_POLICY.minWeight);
  });

  it('goes back to the fallback once a habit has decayed under the weight threshold', () => {
    const profile = readsAt(20, 10, now);
    expect(chooseSendTime(profile, '09:00', now).source).toBe('learned');
    // Ten reading hours weigh about 8 today; a month and a half without a read brings them under 3.
    expect(chooseSendTime(profile, '09:00', new Date(now.getTime() + 45 * DAY_MS))).toMatchObject({ sendAt: '09:00', source: 'fallback', hour: 20, samples: 10 });
  });

  it('reports how much of the reading falls within an hour of the chosen one', () => {
    const mostly = recordReads(readsAt(20, 6, now), 'u', [new Date('2026-11-25T03:00:00Z'), new Date('2026-11-26T03:00:00Z')], 'UTC', now).profile;
    const choice = chooseSendTime(mostly, '09:00', now);
    expect(choice.hour).toBe(20);
    expect(choice.confidence).toBeGreaterThan(0.7);
    expect(choice.confidence).toBeLessThan(0.8);
  });
});
