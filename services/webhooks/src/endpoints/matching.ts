import type { DeliveryStatus } from '@notify/contracts';
import type { WebhookEndpoint } from '@notify/store';

/** The event type a status carries: every service stamps it on the steps of a notification it knows. */
export function eventTypeOf(status: DeliveryStatus): string | undefined {
  return status.eventType;
}

/** Whether a type matches a filter entry: equal, or starting with what comes before a final `*`. */
export function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/**
 * Whether an endpoint wants a status, by its filters alone: the status kind among `statuses` (or no
 * filter), and the event type among `eventTypes` (or no filter; a status without a type matches no
 * type filter). Whose event it is, is checked separately (see `OutboxWriter`).
 */
export function endpointWants(endpoint: Pick<WebhookEndpoint, 'statuses' | 'eventTypes' | 'disabled'>, status: DeliveryStatus): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.statuses.length > 0 && !endpoint.statuses.includes(status.status)) return false;
  if (endpoint.eventTypes.length === 0) return true;
  const type = eventTypeOf(status);
  return type !== undefined && endpoint.eventTypes.some((pattern) => typeMatches(pattern, type));
}
