import type { SendTimeProfile } from '@notify/store';
import { localHour } from './local-clock';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How reading habits are learned and when they are trusted. */
export interface SendTimePolicy {
  /** A read hour's weight halves every `halfLifeMs`: last week counts more than last month. */
  halfLifeMs: number;
  /** Reading hours counted before the learned hour replaces the rule's fallback. */
  minSamples: number;
  /** And their weight now (decayed) at least this: a habit nobody showed lately is not trusted. */
  minWeight: number;
  /** How long a counted clock hour is remembered, so a status read again is not counted again (delivery.status keeps its messages 14 days). */
  slotMemoryMs: number;
}

export const SEND_TIME_POLICY: SendTimePolicy = { halfLifeMs: 14 * DAY_MS, minSamples: 5, minWeight: 3, slotMemoryMs: 14 * DAY_MS };

/** What a weight becomes after `ms`. */
export const decayFactor = (ms: number, halfLifeMs: number): number => Math.pow(2, -Math.max(0, ms) / halfLifeMs);

/** A profile with nothing counted yet. */
export function emptyProfile(userId: string, timeZone: string, now: Date): SendTimeProfile {
  return { userId, hours: new Array<number>(24).fill(0), decayedTo: new Date(0), samples: 0, countedSlots: [], timeZone, updatedAt: now };
}

/**
 * Counts a user's reads into their profile (a new profile; the one given is not changed).
 *
 * What is counted is the clock hour a user read in, not each read: reading ten notifications at
 * 20:15 on a Tuesday (or "mark all read") counts once for Tuesday 20:00–20:59, as does the same
 * notification read on two devices, or a `read` status delivered twice. The hours counted in the
 * last `slotMemoryMs` are kept in the profile for that.
 *
 * Each counted hour adds 1 to its hour of the day, decayed by its age: the weights are kept as of
 * `decayedTo` (the latest read counted), older reads added with the weight they have then, so the
 * result is the same whatever order the reads arrive in.
 */
export function recordReads(current: SendTimeProfile | null, userId: string, reads: readonly Date[], timeZone: string, now: Date, policy: SendTimePolicy = SEND_TIME_POLICY): { profile: SendTimeProfile; counted: number } {
  const profile = current ? { ...current, hours: [...current.hours], countedSlots: [...current.countedSlots] } : emptyProfile(userId, timeZone, now);
  const counted = new Set(profile.countedSlots);
  let added = 0;
  for (const at of [...reads].sort((a, b) => a.getTime() - b.getTime())) {
    const { hour, slot } = localHour(at, timeZone);
    if (counted.has(slot)) continue;
    if (at > profile.decayedTo) {
      const factor = decayFactor(at.getTime() - profile.decayedTo.getTime(), policy.halfLifeMs);
      profile.hours = profile.hours.map((w) => w * factor);
      profile.decayedTo = at;
    }
    profile.hours[hour] = (profile.hours[hour] ?? 0) + decayFactor(profile.decayedTo.getTime() - at.getTime(), policy.halfLifeMs);
    counted.add(slot);
    added++;
  }
  if (added === 0) return { profile: current ?? profile, counted: 0 };
  // Hours older than the memory cannot come back from the topic: forget them, so the record stays small.
  const newest = Math.max(...counted);
  const keepFrom = newest - Math.ceil(policy.slotMemoryMs / HOUR_MS);
  profile.countedSlots = [...counted].filter((slot) => slot > keepFrom).sort((a, b) => a - b);
  profile.samples += added;
  profile.timeZone = timeZone;
  profile.updatedAt = now;
  return { profile, counted: added };
}

/** The profile's 24 weights as of `now` (decayed since its latest read). */
export function weightsAt(profile: SendTimeProfile, now: Date, policy: SendTimePolicy = SEND_TIME_POLICY): number[] {
  const factor = decayFactor(now.getTime() - profile.decayedTo.getTime(), policy.halfLifeMs);
  return profile.hours.map((w) => w * factor);
}
