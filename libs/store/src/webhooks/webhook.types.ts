/** When a team wants several deliveries in one POST (an array, in order): at most `maxSize`, the first waiting at most `maxWaitMs`. */
export interface WebhookBatching {
  maxSize: number;
  maxWaitMs: number;
}

/** A team's HTTP endpoint for status events. */
export interface WebhookEndpoint {
  id: string;
  /** The token that created it: a producer token sees and manages only its own endpoints. */
  owner: string;
  /** Whether the owner is an admin token: an admin's endpoint hears every event, a producer's only the events it sent. */
  ownerRole: 'admin' | 'producer';
  url: string;
  description?: string | undefined;
  /** Status kinds it wants (`delivered`, `failed`, …); empty: every kind. */
  statuses: string[];
  /** Event types it wants (exact, or a prefix ending in `*`); empty: every type. */
  eventTypes: string[];
  /** `whsec_<base64>`: what deliveries are signed with. */
  secret: string;
  /** The secret before the last rotation, also signed with until `previousSecretUntil`, so receivers can switch without a gap. */
  previousSecret?: string | undefined;
  previousSecretUntil?: Date | undefined;
  batch?: WebhookBatching | undefined;
  /** Set when the receiver said 410 Gone (or ops disabled it): nothing is sent, deliveries keep waiting. */
  disabled: boolean;
  disabledReason?: string | undefined;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** One status event for one endpoint, from the outbox: sent in order with the others of its chain. */
export interface WebhookDelivery {
  /** Derived from the endpoint and the status's identity: what the receiver dedupes on (`webhook-id`). */
  id: string;
  endpointId: string;
  /** The chain it is ordered in (the notification, or the event when there is none): one at a time, in `seq` order. */
  chain: string;
  /** Its place in its chain (and among its endpoint's deliveries): sorts as a string. */
  seq: string;
  /** The JSON body sent (the status event). */
  payload: unknown;
  state: WebhookDeliveryState;
  attempts: number;
  /** When it may be tried (again). */
  nextAttemptAt: Date;
  createdAt: Date;
  /** Start of its retry window: its first attempt (its creation until then), or when it was retried by hand. */
  retryFrom: Date;
  /** Set once delivered or parked. */
  finishedAt?: Date | undefined;
  lastError?: string | undefined;
  lastStatusCode?: number | undefined;
  /** The batch it went out in; a retry sends that batch again, same members, same id. */
  batchId?: string | undefined;
}

/** What one attempt did to a delivery (written by the holder of its lease only). */
export interface WebhookAttemptResult {
  state: WebhookDeliveryState;
  /** Set by the first attempt: where the retry window starts. */
  retryFrom?: Date;
  attempts: number;
  nextAttemptAt: Date;
  finishedAt?: Date | undefined;
  lastError?: string | undefined;
  lastStatusCode?: number | undefined;
}

/** One attempt's outcome and the deliveries it was for (one, or a batch's members). */
export interface WebhookAttempt {
  ids: readonly string[];
  result: WebhookAttemptResult;
}

export type WebhookEndpointPatch = Partial<Pick<WebhookEndpoint, 'url' | 'description' | 'statuses' | 'eventTypes' | 'batch' | 'disabled' | 'disabledReason' | 'secret' | 'previousSecret' | 'previousSecretUntil'>>;

export interface WebhookDeliveryPage {
  deliveries: WebhookDelivery[];
  /** Pass back as `after` for the next page; absent on the last. */
  next?: string | undefined;
}

export interface WebhookRepository {
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(id: string): Promise<WebhookEndpoint | null>;
  /** Every endpoint, or those of one owner, oldest first. */
  listEndpoints(filter?: { owner?: string }): Promise<WebhookEndpoint[]>;
  /** Applies the patch (an `undefined` value removes the field); the endpoint as it is now, or null when there is none. */
  updateEndpoint(id: string, patch: WebhookEndpointPatch, now: Date): Promise<WebhookEndpoint | null>;
  /** Deletes the endpoint and its deliveries; false when there was none. */
  deleteEndpoint(id: string): Promise<boolean>;

  /** Writes the deliveries not written before (by id): how many were new. A redelivered status writes nothing. */
  enqueue(deliveries: readonly WebhookDelivery[]): Promise<number>;
  getDelivery(id: string): Promise<WebhookDelivery | null>;
  /** Those of these deliveries that exist, in no particular order. */
  getDeliveries(ids: readonly string[]): Promise<WebhookDelivery[]>;
  /** Up to `limit` pending deliveries of an endpoint in `seq` order (after `afterSeq` if given): the dispatcher picks each chain's head from them. */
  pending(endpointId: string, limit: number, afterSeq?: string): Promise<WebhookDelivery[]>;
  /** An endpoint's deliveries, newest first, optionally of one state; `after` is a page's `next`. */
  listDeliveries(endpointId: string, options: { state?: WebhookDeliveryState; after?: string; limit: number }): Promise<WebhookDeliveryPage>;
  /** Records attempts' outcomes, each on its own deliveries, in one write (the lease holders' write). */
  recordAttempts(attempts: readonly WebhookAttempt[]): Promise<void>;
  /** Puts these deliveries in a batch (before its first attempt). */
  assignBatch(ids: readonly string[], batchId: string): Promise<void>;
  /** A parked (`failed`) delivery back to pending, due now, with a fresh retry window and attempt count; false when it was not parked. */
  requeue(id: string, now: Date): Promise<boolean>;
  /** Pending deliveries per endpoint (the backlog gauge). */
  backlog(): Promise<Map<string, number>>;

  /**
   * Takes the lease on each of `keys` (delivery or batch ids) until `until`, unless another holder has
   * an unexpired one: the keys this holder has now. Two instances never send the same delivery at once.
   */
  lease(keys: readonly string[], holder: string, now: Date, until: Date): Promise<Set<string>>;
  /**
   * Gives up these leases of this holder, each as it was taken (its `until`): one renewed or taken
   * again since is left, and so is another holder's.
   */
  release(leases: ReadonlyArray<{ key: string; until: Date }>, holder: string): Promise<void>;

  /** Delivered deliveries finished before `cutoff`. */
  sweepDeliveredBefore(cutoff: Date): Promise<number>;
}
