import { intakeLaneOf, sizeProblem, topics, validate, type DeadLetterReason, type IntakeLane, type NotifyEvent } from '@notify/contracts';
import type { Bus } from '@notify/bus';

export interface RejectedEvent {
  index: number;
  id?: string;
  reason: DeadLetterReason;
  message: string;
}

export type IntakeResult = { accepted: Array<{ id: string; lane: 'default' | 'bulk' }> } | { rejected: RejectedEvent[] };

/** Why an event that is valid on its own still cannot be routed (an unknown type without a priority), or null. */
export type IntakeRefusal = (event: NotifyEvent) => { reason: DeadLetterReason; message: string } | null;

export interface PublishEventsOptions {
  laneOf?: (event: NotifyEvent) => IntakeLane;
  refuse?: IntakeRefusal;
  /** Runs once every event is valid, before any is written; throwing refuses the whole batch (e.g. recording who sent it). */
  beforePublish?: (events: readonly NotifyEvent[]) => Promise<void>;
}

/**
 * Judges a batch of envelopes the way the router would (shape, schema, size, routability) and writes
 * them to their intake lane. All or nothing: a batch with one bad event writes none, so a retried
 * batch never half-duplicates, and nothing accepted here is refused later.
 */
export async function publishEvents(bus: Bus, candidates: readonly unknown[], options: PublishEventsOptions = {}): Promise<IntakeResult> {
  const laneOf = options.laneOf ?? ((e: NotifyEvent) => intakeLaneOf(e.priority));
  const valid: NotifyEvent[] = [];
  const rejected: RejectedEvent[] = [];
  candidates.forEach((candidate, index) => {
    const result = validate(topics.notifyEvents, candidate);
    const problem = result.ok ? (sizeProblem(topics.notifyEvents, result.value) ?? options.refuse?.(result.value) ?? null) : result;
    if (problem) rejected.push({ index, id: idOf(candidate), reason: problem.reason, message: problem.message });
    else if (result.ok) valid.push(result.value);
  });
  if (rejected.length > 0) return { rejected };
  await options.beforePublish?.(valid);
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
