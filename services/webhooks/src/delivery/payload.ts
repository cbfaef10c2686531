import { createHash } from 'node:crypto';
import type { DeliveryStatus } from '@notify/contracts';

/** What a receiver gets in one delivery (Standard Webhooks' recommended shape: type, timestamp, data). */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: unknown;
}

/** A status event as its webhook payload: `notification.delivered`, `notification.failed`, … */
export function statusPayload(status: DeliveryStatus): WebhookPayload {
  return { type: `notification.${status.status}`, timestamp: status.at, data: status };
}

/**
 * The id of a delivery (the `webhook-id` a receiver dedupes on): the same for the same endpoint and
 * status whoever computes it and however often the status is read, so a redelivered message adds nothing.
 */
export function deliveryIdOf(endpointId: string, identity: unknown): string {
  return `msg_${createHash('sha256').update(JSON.stringify([endpointId, identity])).digest('base64url').slice(0, 27)}`;
}

/** A batch's id, from its members: a retry of the batch sends the same id. */
export function batchIdOf(deliveryIds: readonly string[]): string {
  return `msg_b${createHash('sha256').update(deliveryIds.join('\n')).digest('base64url').slice(0, 26)}`;
}

/** Where a status stands in its chain: its partition and offset on `delivery.status`, as a sortable string. */
export function seqOf(partition: number, offset: string): string {
  return `${String(partition).padStart(5, '0')}:${offset.padStart(20, '0')}`;
}
