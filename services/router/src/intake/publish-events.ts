import { intakeLaneOf, topics, validate, type IntakeLane, type NotifyEvent } from '@notify/contracts';
import type { Bus } from '@notify/bus';

export interface RejectedEvent {
  index: number;
  id?: string;
  reason: string;
  message: string;
}

export type IntakeResult = { accepted: Array<{ id: string; lane: 'default' | 'bulk' }> } | { rejected: RejectedEvent[] };

/**
 * Validates a batch of envelopes and writes them to their intake lane. All or nothing: a batch with
 * one bad event writes none, so a retried batch never half-duplicates.
 */
export async function publishEvents(bus: Bus, candidates: readonly unknown[], laneOf: (event: NotifyEvent) => IntakeLane = (e) => intakeLaneOf(e.priority)): Promise<IntakeResult> {
  const valid: NotifyEvent[] = [];
  const rejected: RejectedEvent[] = [];
  candidates.forEach((candidate, index) => {
    const result = validate(topics.notifyEvents, candidate);
    if (result.ok) valid.push(result.value);
    else rejected.push({ index, id: idOf(candidate), reason: result.reason, message: result.message });
  });
  if (rejected.length > 0) return { rejected };
  const lanes = valid.map(laneOf);
  const bulk = valid.filter((_, i) => lanes[i] === 'bulk');
  const standard = valid.filter((_, i) => lanes[i] === 'default');
  await Promise.all([
    bus.publish(topics.notifyEvents, standard.map((value) => ({ value }))),
    bus.publish(topics.notifyEventsBulk, bulk.map((value) => ({ value }))),
  ]);
  return { accepted: valid.map((e, i) => ({ id: e.id, lane: lanes[i]! })) };
}

function idOf(candidate: unknown): string | undefined {
  const id = (candidate as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}
