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
 * the step is consumed, so a backlog or a replay counts each read at its hour. The `batched` steps
 * of digests sent at the user's best hour give the times those are due, so that reads they prompt
 * weigh less.
 */
export async function learnReadTimes(deps: LearnReadTimesDeps, statuses: readonly DeliveryStatus[], now = new Date()): Promise<LearnedReads> {
  const readsOf = new Map<string, Date[]>();
  const dueOf = new Map<string, Date[]>();
  let reads = 0;
  for (const status of statuses) {
    if (!status.userId) continue;
    const due = digestDueAt(status);
    if (due) {
      const times = dueOf.get(status.userId);
      if (times) times.push(due);
      else dueOf.set(status.userId, [due]);
      continue;
    }
    if (status.status !== 'read') continue;
    const at = new Date(status.at);
    if (Number.isNaN(at.getTime())) continue;
    reads++;
    const times = readsOf.get(status.userId);
    if (times) times.push(at);
    else readsOf.set(status.userId, [at]);
  }
  const userIds = new Set([...readsOf.keys(), ...dueOf.keys()]);
  if (userIds.size === 0) return { reads, counted: 0, users: 0 };
  const current = await deps.sendTimes.getMany([...userIds]);
  const changed: SendTimeProfile[] = [];
  let counted = 0;
  for (const userId of userIds) {
    const result = recordReads(current.get(userId) ?? null, userId, readsOf.get(userId) ?? [], deps.timeZoneOf(userId), now, deps.policy ?? SEND_TIME_POLICY, dueOf.get(userId) ?? []);
    if (!result.changed) continue;
    counted += result.counted;
    changed.push(result.profile);
  }
  await deps.sendTimes.putMany(changed);
  return { reads, counted, users: changed.length };
}

/** When the digest a `batched` step put the notification in is due, for a digest sent at the user's best hour (its step says `sendTime`). */
function digestDueAt(status: DeliveryStatus): Date | null {
  if (status.status !== 'batched' || !status.detail || typeof status.detail.sendTime !== 'object' || typeof status.detail.sendAt !== 'string') return null;
  const due = new Date(status.detail.sendAt);
  return Number.isNaN(due.getTime()) ? null : due;
}
