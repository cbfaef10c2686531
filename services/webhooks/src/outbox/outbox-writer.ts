import type { BusMessage } from '@notify/bus';
import type { DeliveryStatus } from '@notify/contracts';
import type { IdempotencyRepository, WebhookDelivery, WebhookEndpoint, WebhookRepository } from '@notify/store';
import { endpointWants } from '../endpoints/matching';
import { deliveryIdOf, seqOf, statusPayload } from '../delivery/payload';

/**
 * The claims in which the router records which producer token sent an event over HTTP (the same
 * record the status trail's API checks), so a team's endpoint hears only its own events.
 */
export const EVENT_SENDER_SCOPE = 'router:event-sender';

export interface OutboxWriterDeps {
  webhooks: WebhookRepository;
  /** Where the router records each event's sender. */
  claims: Pick<IdempotencyRepository, 'holderOf'>;
  /** The endpoints to match against, as they are now. */
  endpoints: () => Promise<readonly WebhookEndpoint[]>;
  now?: () => Date;
}

/**
 * Turns a slice of `delivery.status` into outbox deliveries, one per status and endpoint that wants
 * it: the filters of the endpoint, and for a producer's endpoint, an event that producer sent. The
 * ids come from the endpoint and the status, so a slice read again writes nothing new. Resolves once
 * the deliveries are stored (then the bus commits the slice): how many were new.
 */
export async function writeOutbox(deps: OutboxWriterDeps, messages: ReadonlyArray<BusMessage<DeliveryStatus>>): Promise<number> {
  const endpoints = await deps.endpoints();
  if (endpoints.length === 0) return 0;
  const now = deps.now?.() ?? new Date();
  const senders = new Map<string, Promise<string | null>>();
  const senderOf = (eventId: string) => {
    let sender = senders.get(eventId);
    if (!sender) senders.set(eventId, (sender = deps.claims.holderOf(EVENT_SENDER_SCOPE, eventId)));
    return sender;
  };
  const deliveries: WebhookDelivery[] = [];
  for (const message of messages) {
    const status = message.value;
    for (const endpoint of endpoints) {
      if (!endpointWants(endpoint, status)) continue;
      if (endpoint.ownerRole === 'producer' && (await senderOf(status.eventId)) !== endpoint.owner) continue;
      deliveries.push({
        id: deliveryIdOf(endpoint.id, status),
        endpointId: endpoint.id,
        chain: status.notificationId ?? status.eventId,
        seq: seqOf(message.partition, message.offset),
        payload: statusPayload(status),
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
        retryFrom: now,
      });
    }
  }
  return deliveries.length === 0 ? 0 : deps.webhooks.enqueue(deliveries);
}

/** The store's endpoints, read again at most every `maxAgeMs` (and at once after `invalidate`). */
export class EndpointCache {
  private cached: { at: number; endpoints: Promise<WebhookEndpoint[]> } | undefined;
  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly maxAgeMs: number,
  ) {}

  get(): Promise<WebhookEndpoint[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.maxAgeMs) {
      const endpoints = this.webhooks.listEndpoints();
      this.cached = { at: now, endpoints };
      endpoints.catch(() => (this.cached = undefined));
    }
    return this.cached.endpoints;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
