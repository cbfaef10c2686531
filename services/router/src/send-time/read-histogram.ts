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
  /** A read this soon after a digest at the user's best hour was due (10 minutes) is taken as prompted by it… */
  promptWindowMs: number;
  /** …and weighs this much (a quarter): the hour it was sent at should not teach itself. */
  promptedWeight: number;
}

export const SEND_TIME_POLICY: SendTimePolicy = { halfLifeMs: 14 * DAY_MS, minSamples: 5, minWeight: 3, slotMemoryMs: 14 * DAY_MS, promptWindowMs: 10 * 60_000, promptedWeight: 0.25 };

/** Due times of digests kept per profile: enough for the digests of the last few days, whatever order steps arrive in. */
const DUE_TIMES_KEPT = 4;

/** What a weight becomes after `ms`. */
export const decayFactor = (ms: number, halfLifeMs: number): number => Math.pow(2, -Math.max(0, ms) / halfLifeMs);

/** A profile with nothing counted yet. */
export function emptyProfile(userId: string, timeZone: string, now: Date): SendTimeProfile {
  return { userId, hours: new Array<number>(24).fill(0), decayedTo: new Date(0), samples: 0, countedSlots: [], digestsDueAt: [], timeZone, updatedAt: now };
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
 * result is the same whatever order the reads arrive in. A read within `promptWindowMs` after a
 * digest at the user's best hour was due (`digestsDueAt`, from the `batched` steps) adds only
 * `promptedWeight`: someone opening the digest as it arrives says when it was sent, not when they read.
 */
export function recordReads(
  current: SendTimeProfile | null,
  userId: string,
  reads: readonly Date[],
  timeZone: string,
  now: Date,
  policy: SendTimePolicy = SEND_TIME_POLICY,
  digestsDueAt: readonly Date[] = [],
): { profile: SendTimeProfile; counted: number; changed: boolean } {
  const profile = current ? { ...current, hours: [...current.hours], countedSlots: [...current.countedSlots], digestsDueAt: [...current.digestsDueAt] } : emptyProfile(userId, timeZone, now);
  const known = new Set(profile.digestsDueAt.map((d) => d.getTime()));
  const newDue = digestsDueAt.filter((d) => !known.has(d.getTime()));
  if (newDue.length > 0) {
    const times = [...new Set([...known, ...newDue.map((d) => d.getTime())])].sort((a, b) => a - b).slice(-DUE_TIMES_KEPT);
    profile.digestsDueAt = times.map((t) => new Date(t));
  }
  const prompted = (at: Date) => profile.digestsDueAt.some((due) => at >= due && at.getTime() - due.getTime() <= policy.promptWindowMs);
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
    profile.hours[hour] = (profile.hours[hour] ?? 0) + (prompted(at) ? policy.promptedWeight : 1) * decayFactor(profile.decayedTo.getTime() - at.getTime(), policy.halfLifeMs);
    counted.add(slot);
    added++;
  }
  if (added === 0) {
    if (newDue.length === 0) return { profile: current ?? profile, counted: 0, changed: false };
    profile.updatedAt = now;
    return { profile, counted: 0, changed: true };
  }
  // Hours older than the memory cannot come back from the topic: forget them, so the record stays small.
  const newest = Math.max(...counted);
  const keepFrom = newest - Math.ceil(policy.slotMemoryMs / HOUR_MS);
  profile.countedSlots = [...counted].filter((slot) => slot > keepFrom).sort((a, b) => a - b);
  profile.samples += added;
  profile.timeZone = timeZone;
  profile.updatedAt = now;
  return { profile, counted: added, changed: true };
}

/** The profile's 24 weights as of `now` (decayed since its latest read). */
export function weightsAt(profile: SendTimeProfile, now: Date, policy: SendTimePolicy = SEND_TIME_POLICY): number[] {
  const factor = decayFactor(now.getTime() - profile.decayedTo.getTime(), policy.halfLifeMs);
  return profile.hours.map((w) => w * factor);
}
