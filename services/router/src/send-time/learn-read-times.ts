import type { DeliveryStatus } from '@notify/contracts';
import type { SendTimeProfile, SendTimeRepository } from '@notify/store';
import { recordReads, SEND_TIME_POLICY, type SendTimePolicy } from './read-histogram';

export interface LearnReadTimesDeps {
  sendTimes: Pick<SendTimeRepository, 'getMany' | 'putMany'>;
  /** The user's time zone now (the router's view of preferences; UTC when they never set one). */
  timeZoneOf: (userId: string) => string;
  policy?: SendTimePolicy;
}

export interface LearnedReads {
  /** `read` steps in the batch. */
  reads: number;
  /** Reading hours newly counted (a step whose user already has that clock hour counted adds none). */
  counted: number;
  /** Profiles written. */
  users: number;
}

/**
 * Learns when users read from the `read` steps of a batch of delivery.status: one read of the
 * batch's users' profiles, one write of those that changed. The reads are placed on each user's
 * clock by their time zone now, and timed by the step's own `at` (when the user read), not by when
 * the step is consumed, so a backlog or a replay counts each read at its hour.
 */
export async function learnReadTimes(deps: LearnReadTimesDeps, statuses: readonly DeliveryStatus[], now = new Date()): Promise<LearnedReads> {
  const readsOf = new Map<string, Date[]>();
  let reads = 0;
  for (const status of statuses) {
    if (status.status !== 'read' || !status.userId) continue;
    const at = new Date(status.at);
    if (Number.isNaN(at.getTime())) continue;
    reads++;
    const times = readsOf.get(status.userId);
    if (times) times.push(at);
    else readsOf.set(status.userId, [at]);
  }
  if (readsOf.size === 0) return { reads, counted: 0, users: 0 };
  const current = await deps.sendTimes.getMany([...readsOf.keys()]);
  const changed: SendTimeProfile[] = [];
  let counted = 0;
  for (const [userId, times] of readsOf) {
    const result = recordReads(current.get(userId) ?? null, userId, times, deps.timeZoneOf(userId), now, deps.policy ?? SEND_TIME_POLICY);
    if (result.counted === 0) continue;
    counted += result.counted;
    changed.push(result.profile);
  }
  await deps.sendTimes.putMany(changed);
  return { reads, counted, users: changed.length };
}
