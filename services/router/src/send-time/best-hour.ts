import type { SendTimeProfile } from '@notify/store';
import { SEND_TIME_POLICY, weightsAt, type SendTimePolicy } from './read-histogram';

/** When a digest that asks for the user's best hour is sent, and why. */
export interface SendTimeChoice {
  /** The local time it is sent at, "HH:MM": the learned hour on the hour, or the rule's fallback. */
  sendAt: string;
  /** `learned` once there is enough data; until then `fallback`. */
  source: 'learned' | 'fallback';
  /** The hour the reads point at (0–23), even while there is too little data to use it; null with no reads. */
  hour: number | null;
  /** The share of the user's reading weight within an hour of `hour` (0 to 1). */
  confidence: number;
  /** Reading hours counted (not decayed). */
  samples: number;
  /** Their weight now, decayed. */
  weight: number;
}

/** Each hour's weight spread over its neighbours (¼, ½, ¼, around midnight too): 19:58 and 20:03 are one habit. */
export function smoothed(weights: readonly number[]): number[] {
  const n = weights.length;
  return weights.map((w, h) => 0.5 * w + 0.25 * (weights[(h + n - 1) % n]! + weights[(h + 1) % n]!));
}

/** How many hours apart two hours of the day are, around midnight (23 and 1 are 2 apart). */
const hoursApart = (a: number, b: number) => Math.min(Math.abs(a - b), 24 - Math.abs(a - b));

/**
 * The hour with the most smoothed weight; between hours that tie, the one nearest the fallback's
 * hour (then the earlier). Null when there is no weight at all.
 */
export function bestHour(weights: readonly number[], fallbackHour: number): number | null {
  const scores = smoothed(weights);
  const top = Math.max(...scores);
  if (!(top > 0)) return null;
  const tied = scores.flatMap((score, hour) => (score >= top * (1 - 1e-9) ? [hour] : []));
  return tied.reduce((best, hour) => (hoursApart(hour, fallbackHour) < hoursApart(best, fallbackHour) ? hour : best));
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The local time a digest with `sendAt: "best"` goes out at for this user: their best hour once
 * they have read in at least `minSamples` hours with a weight now of at least `minWeight`, the
 * rule's `fallbackAt` before that (and again once their habit has decayed away).
 */
export function chooseSendTime(profile: SendTimeProfile | null, fallbackAt: string, now: Date, policy: SendTimePolicy = SEND_TIME_POLICY): SendTimeChoice {
  const fallbackHour = Number(fallbackAt.slice(0, 2));
  const weights = profile ? weightsAt(profile, now, policy) : new Array<number>(24).fill(0);
  const weight = weights.reduce((sum, w) => sum + w, 0);
  const samples = profile?.samples ?? 0;
  const hour = bestHour(weights, fallbackHour);
  const confidence = hour === null || weight === 0 ? 0 : (weights[(hour + 23) % 24]! + weights[hour]! + weights[(hour + 1) % 24]!) / weight;
  const enough = hour !== null && samples >= policy.minSamples && weight >= policy.minWeight;
  return { sendAt: enough ? `${pad(hour)}:00` : fallbackAt, source: enough ? 'learned' : 'fallback', hour, confidence: Math.min(1, confidence), samples, weight };
}
