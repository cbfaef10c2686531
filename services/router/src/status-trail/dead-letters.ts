import type { Bus } from '@notify/bus';
import { EventId, topics, type DeadLetter, type DeliveryStatus } from '@notify/contracts';

/**
 * The status-trail entry for an intake event the bus set aside, whatever set it aside (the codec,
 * the routing use case, retries given up), or null: the event's id is read from the original bytes
 * as far as they go, since a dead letter need not be a valid event, and a message without a readable
 * id has no trail to be on.
 */
export function deadLetterStatus(letter: DeadLetter): DeliveryStatus | null {
  const eventId = eventIdOf(Buffer.from(letter.originalBase64, 'base64'));
  if (eventId === null) return null;
  return { version: 1, eventId, status: 'dead_lettered', reason: `${letter.reason}: ${letter.message}`.slice(0, 1024), service: 'router', at: letter.failedAt };
}

/** Records an intake dead letter on the status trail. */
export async function recordDeadLetter(bus: Bus, letter: DeadLetter): Promise<void> {
  const status = deadLetterStatus(letter);
  if (status) await bus.publish(topics.deliveryStatus, [{ value: status }]);
}

function eventIdOf(bytes: Buffer): string | null {
  try {
    const id = (JSON.parse(bytes.toString('utf8')) as { id?: unknown } | null)?.id;
    return EventId.safeParse(id).success ? (id as string) : null;
  } catch {
    return null;
  }
}
