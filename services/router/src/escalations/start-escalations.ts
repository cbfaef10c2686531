import type { Notification } from '@notify/contracts';
import type { EscalationRepository, EscalationStep } from '@notify/store';
import type { PublishLane } from '@notify/bus';
import { ladderOf } from './escalation-ladder';

export interface StartEscalationsDeps {
  escalations?: EscalationRepository;
  /** The intake lane and partition the batch came from: the owner of that partition sweeps its ladders. */
  lane: PublishLane;
  partition?: number;
}

/**
 * Starts the escalation ladders of notifications routed in-app, durably, before the batch's offsets
 * are committed: a crash before then routes the event again, and the ladder is found, not started twice.
 */
export async function startEscalations(deps: StartEscalationsDeps, steps: readonly EscalationStep[] | undefined, notifications: readonly Notification[], ruleId: string | null, now: Date): Promise<void> {
  if (!steps || steps.length === 0 || notifications.length === 0 || !deps.escalations) return;
  const where = { lane: deps.lane, partition: deps.partition ?? 0 };
  await deps.escalations.startMany(notifications.map((n) => ladderOf(n, steps, where, ruleId, now)));
}
