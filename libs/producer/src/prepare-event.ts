import { encode, intakeLaneOf, sizeProblem, topics, validate, type IntakeLane, type NotifyEvent } from '@notify/contracts';
import { InvalidEventError } from './errors';

/**
 * What `send` takes: a NotifyEvent whose `version`, `id` and `createdAt` may be left out. The id is
 * the idempotency key: one is generated when absent and kept across every retry, so the router
 * turns a retried event into one notification.
 */
export type EventInput = Omit<NotifyEvent, 'version' | 'id' | 'createdAt'> & {
  version?: 1;
  id?: string;
  createdAt?: string;
};

/** An event checked the way the router checks it, with its intake lane, key and bytes. */
export interface PreparedEvent {
  event: NotifyEvent;
  lane: IntakeLane;
  /** The partition key the intake topics use: the recipient, so one user's events stay in order. */
  key: string;
  /** The envelope as JSON, exactly what goes on the topic or in the request. */
  bytes: Uint8Array;
}

/**
 * Completes an event (version, id, createdAt) and validates it with the router's own schema and
 * size limit; throws InvalidEventError naming the field otherwise.
 */
export function prepareEvent(input: EventInput, newId: () => string = () => globalThis.crypto.randomUUID()): PreparedEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidEventError('event must be an object', 'invalid_envelope');
  const candidate = { ...input, version: input.version ?? 1, id: input.id ?? newId(), createdAt: input.createdAt ?? new Date().toISOString() };
  const spec = topics.notifyEvents;
  const result = validate(spec, candidate);
  const problem = result.ok ? sizeProblem(spec, result.value) : result;
  if (problem || !result.ok) {
    const message = problem?.message ?? 'invalid event';
    throw new InvalidEventError(`event ${candidate.id} is invalid: ${message}`, problem?.reason ?? 'invalid_envelope', candidate.id);
  }
  const event = result.value;
  const lane = intakeLaneOf(event.priority);
  const laneSpec = lane === 'bulk' ? topics.notifyEventsBulk : topics.notifyEvents;
  return { event, lane, key: laneSpec.keyOf(event), bytes: encode(laneSpec, event) };
}
