import { describe, expect, it } from 'vitest';
import { localHour } from './local-clock';
import { decayFactor, recordReads, SEND_TIME_POLICY, weightsAt } from './read-histogram';

const DAY_MS = 24 * 60 * 60 * 1000;
const now = new Date('2026-12-02T12:00:00Z');
const hourOf = (hours: number[]) => hours.findIndex((w) => w > 0);

describe('localHour', () => {
  it('reads the user’s clock, daylight saving time included', () => {
    // 20:10 in Paris: 18:10 UTC in summer (UTC+2), 19:10 UTC in winter (UTC+1).
    expect(localHour(new Date('2026-07-01T18:10:00Z'), 'Europe/Paris').hour).toBe(20);
    expect(localHour(new Date('2026-12-01T19:10:00Z'), 'Europe/Paris').hour).toBe(20);
    // Half-hour offsets: 14:40 UTC is 20:10 in Kolkata (UTC+5:30).
    expect(localHour(new Date('2026-12-01T14:40:00Z'), 'Asia/Kolkata').hour).toBe(20);
    // A time zone the runtime does not know is read as UTC.
    expect(localHour(new Date('2026-12-01T14:40:00Z'), 'Mars/Olympus').hour).toBe(14);
  });

  it('numbers each clock hour lived once: two reads in one hour share it, the next hour and the next day do not', () => {
    const slot = (iso: string) => localHour(new Date(iso), 'Asia/Tokyo').slot;
    expect(slot('2026-12-01T11:05:00Z')).toBe(slot('2026-12-01T11:55:00Z'));
    expect(slot('2026-12-01T12:05:00Z')).toBe(slot('2026-12-01T11:05:00Z') + 1);
    expect(slot('2026-12-02T11:05:00Z')).toBe(slot('2026-12-01T11:05:00Z') + 24);
  });
});

describe('recordReads', () => {
  it('counts the clock hour a user read in once, however many reads and however often they arrive', () => {
    const reads = ['2026-12-01T19:05:00Z', '2026-12-01T19:06:00Z', '2026-12-01T19:59:00Z'].map((iso) => new Date(iso));
    const first = recordReads(null, 'alice', reads, 'Europe/Paris', now);
    expect(first.counted).toBe(1);
    expect(first.profile.samples).toBe(1);
    expect(hourOf(first.profile.hours)).toBe(20);
    expect(first.profile.hours[20]).toBeCloseTo(1, 9);
    // The same steps delivered again (a retry, a replayed partition), or read on another device: nothing changes.
    const again = recordReads(first.profile, 'alice', [...reads, new Date('2026-12-01T19:30:00Z')], 'Europe/Paris', now);
    expect(again.counted).toBe(0);
    expect(again.profile).toBe(first.profile);
  });

  it('counts another hour, or the same hour another day, and decays each by its age', () => {
    const tuesday = recordReads(null, 'alice', [new Date('2026-11-17T19:10:00Z')], 'Europe/Paris', now).profile;
    // Two weeks later (one half-life) at 20:xx again, and at 08:xx.
    const later = recordReads(tuesday, 'alice', [new Date('2026-12-01T19:10:00Z'), new Date('2026-12-01T07:30:00Z')], 'Europe/Paris', now).profile;
    expect(later.samples).toBe(3);
    expect(later.decayedTo).toEqual(new Date('2026-12-01T19:10:00Z'));
    expect(later.hours[20]).toBeCloseTo(1.5, 9);
    expect(later.hours[8]).toBeCloseTo(decayFactor(11 * 3_600_000 + 40 * 60_000, SEND_TIME_POLICY.halfLifeMs), 9);
    // Seen from a day after the latest read, everything is a day older.
    const weights = weightsAt(later, new Date('2026-12-02T19:10:00Z'));
    expect(weights[20]).toBeCloseTo(1.5 * Math.pow(2, -1 / 14), 9);
  });

  it('gives the same weights whatever order the reads arrive in', () => {
    const reads = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 10, 20 + i, 19, (i * 7) % 60)));
    const inOrder = recordReads(null, 'u', reads, 'UTC', now).profile;
    let shuffled = recordReads(null, 'u', [reads[7]!, reads[2]!], 'UTC', now).profile;
    shuffled = recordReads(shuffled, 'u', [reads[9]!, reads[0]!, reads[5]!], 'UTC', now).profile;
    shuffled = recordReads(shuffled, 'u', [reads[1]!, reads[3]!, reads[4]!, reads[6]!, reads[8]!], 'UTC', now).profile;
    expect(shuffled.samples).toBe(10);
    expect(shuffled.decayedTo).toEqual(inOrder.decayedTo);
    shuffled.hours.forEach((w, h) => expect(w).toBeCloseTo(inOrder.hours[h]!, 9));
  });

  it('forgets counted hours older than the slot memory, so the record stays small', () => {
    const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 10, 1 + i, 9)));
    const { profile } = recordReads(null, 'u', days, 'UTC', now);
    expect(profile.samples).toBe(30);
    expect(profile.countedSlots).toHaveLength(SEND_TIME_POLICY.slotMemoryMs / DAY_MS);
    expect(profile.countedSlots).toEqual([...profile.countedSlots].sort((a, b) => a - b));
  });

  it('weighs a read soon after a digest at the learned hour was due a quarter: the send time should not teach itself', () => {
    const due = new Date('2026-12-01T20:00:00Z');
    const { profile, counted, changed } = recordReads(null, 'u', [new Date('2026-12-01T20:04:00Z'), new Date('2026-12-02T09:00:00Z')], 'UTC', now, SEND_TIME_POLICY, [due]);
    expect({ counted, changed }).toEqual({ counted: 2, changed: true });
    expect(profile.digestsDueAt).toEqual([due]);
    expect(profile.hours[20]).toBeCloseTo(SEND_TIME_POLICY.promptedWeight * decayFactor(13 * 3_600_000 - 4 * 60_000, SEND_TIME_POLICY.halfLifeMs), 9);
    expect(profile.hours[9]).toBeCloseTo(1, 9);
    // Past the prompt window, a read counts in full; a due time alone is kept (and written), the newest few only.
    const later = recordReads(profile, 'u', [new Date('2026-12-02T20:25:00Z')], 'UTC', now, SEND_TIME_POLICY, [new Date('2026-12-02T20:00:00Z')]).profile;
    expect(later.hours[20]).toBeGreaterThan(1);
    const dueOnly = recordReads(later, 'u', [], 'UTC', now, SEND_TIME_POLICY, [1, 2, 3, 4].map((d) => new Date(Date.UTC(2026, 11, 2 + d, 20))));
    expect(dueOnly).toMatchObject({ counted: 0, changed: true });
    expect(dueOnly.profile.digestsDueAt.map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
    expect(recordReads(dueOnly.profile, 'u', [], 'UTC', now, SEND_TIME_POLICY, [new Date(Date.UTC(2026, 11, 6, 20))]).changed).toBe(false);
  });

  it('never changes the profile it is given', () => {
    const first = recordReads(null, 'u', [new Date('2026-12-01T09:00:00Z')], 'UTC', now).profile;
    const copy = structuredClone(first);
    recordReads(first, 'u', [new Date('2026-12-01T21:00:00Z'), new Date('2026-12-02T09:00:00Z')], 'UTC', now);
    expect(first).toEqual(copy);
  });
});
