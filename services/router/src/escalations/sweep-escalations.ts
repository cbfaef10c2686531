import type { Bus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { Escalation, EscalationRepository, EscalationSettlement, InboxRepository } from '@notify/store';
import { decideStep, escalatedStatus, escalationPush, type ReachedStates, type StepDecision } from './escalation-ladder';

export interface SweepEscalationsDeps {
  bus: Bus;
  escalations: EscalationRepository;
  /** Where "read yet?" is answered: the inbox item's state, as every gateway recorded it. */
  inbox: Pick<InboxRepository, 'reached'>;
  now?: () => Date;
}

export interface SweepEscalationsOptions {
  /** Due ladders claimed per round trip to the store. */
  batchSize: number;
  /** How long a claim holds: a step claimed and not settled this long ago (its router died in between) is taken over. */
  leaseMs: number;
}

export interface SweptEscalations {
  /** Steps taken, by where they went, each with how late it was (ms after its due time). */
  taken: Array<{ to: 'push' | 'webhook'; lateMs: number }>;
  /** Steps not taken: read, delivered (for an "unless delivered" step), or expired by then. */
  skipped: Array<'read' | 'delivered' | 'expired'>;
}

/**
 * The due steps of the escalation ladders of the intake partitions this router owns (`partitions` of
 * `lane`). Each step is claimed in the store by one router only, checked against the notification's
 * state in the store (read or delivered on any device), then taken (a push, or an `escalated` status
 * the webhook endpoints deliver) and settled. Taken, then settled: after a crash in between, the
 * next owner takes the step again once the lease is over, and it is the same push (the push service
 * marks each device done) and the same status (same webhook delivery id). Batch after batch, until
 * none is left that is not held by another router.
 */
export async function sweepEscalations(deps: SweepEscalationsDeps, lane: Escalation['lane'], partitions: readonly number[], options: SweepEscalationsOptions): Promise<SweptEscalations> {
  const result: SweptEscalations = { taken: [], skipped: [] };
  if (partitions.length === 0) return result;
  for (;;) {
    const now = deps.now?.() ?? new Date();
    const { claimed, found } = await deps.escalations.claimDue(lane, partitions, now, { limit: options.batchSize, leaseMs: options.leaseMs });
    if (claimed.length > 0) {
      const reached = await reachedStates(deps.inbox, claimed);
      const decisions = claimed.map((ladder) => ({ ladder, decision: decideStep(ladder, reached.get(ladder.notificationId)!, now) }));
      const pushes: Notification[] = [];
      const statuses: DeliveryStatus[] = [];
      const settlements: EscalationSettlement[] = [];
      for (const { ladder, decision } of decisions) {
        settlements.push(decision.settlement);
        if (decision.kind === 'skip') {
          result.skipped.push(skippedBecause(decision));
          continue;
        }
        if (decision.step.to === 'push') pushes.push(escalationPush(ladder));
        statuses.push(escalatedStatus(ladder, decision.index));
        result.taken.push({ to: decision.step.to, lateMs: now.getTime() - ladder.dueAt!.getTime() });
      }
      if (pushes.length > 0) await deps.bus.publish(topics.deliverPushTransactional, pushes.map((value) => ({ value })));
      if (statuses.length > 0) await deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })));
      await deps.escalations.settle(settlements, now);
    }
    // A full batch that moved nothing is another router's for now: the next sweep looks again.
    if (found < options.batchSize || claimed.length === 0) return result;
  }
}

function skippedBecause(decision: Extract<StepDecision, { kind: 'skip' }>): 'read' | 'delivered' | 'expired' {
  const s = decision.settlement;
  return 'end' in s ? (s.end === 'completed' ? 'delivered' : s.end) : 'delivered';
}

/** Read and delivered, per ladder, with two reads per user whatever the number of ladders. */
async function reachedStates(inbox: Pick<InboxRepository, 'reached'>, ladders: readonly Escalation[]): Promise<Map<string, ReachedStates>> {
  const byUser = new Map<string, string[]>();
  for (const l of ladders) byUser.set(l.userId, [...(byUser.get(l.userId) ?? []), l.notificationId]);
  const states = new Map<string, ReachedStates>();
  await Promise.all(
    [...byUser].map(async ([userId, ids]) => {
      const [read, delivered] = await Promise.all([inbox.reached(userId, ids, 'read'), inbox.reached(userId, ids, 'delivered')]);
      for (const id of ids) states.set(id, { read: read.has(id), delivered: delivered.has(id) });
    }),
  );
  return states;
}
