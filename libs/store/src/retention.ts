import type { Store } from './store';

/** One collection's retention: its name (the metrics label) and the delete that bounds it. */
export interface StoreSweep {
  readonly collection: string;
  sweep(now: Date): Promise<number>;
}

const before = (now: Date, ms: number) => new Date(now.getTime() - ms);

/**
 * The sweeps each collection needs; every service schedules those of the collections it writes.
 * The collection names are the MongoDB ones, also used for the in-memory store.
 */
export const storeSweeps = {
  /** Expired claims (deduplication, rate-cap slots) and takeover markers: expired, they mean nothing. */
  idempotency: (store: Store): StoreSweep => ({ collection: 'idempotency_keys', sweep: (now) => store.idempotency.sweepExpired(now) }),
  /** The status trail older than `keepMs`. */
  deliveryLog: (store: Store, keepMs: number): StoreSweep => ({ collection: 'delivery_log', sweep: (now) => store.deliveryLog.sweepOlderThan(before(now, keepMs)) }),
  /** Inbox items past their expiry or older than `keepMs`, with their state marks; their numbers stay protected. */
  inbox: (store: Store, keepMs: number): StoreSweep => ({ collection: 'inbox', sweep: (now) => store.inbox.sweepExpired(now, before(now, keepMs)) }),
  /** Dead-letter actions (the console's action log) older than `keepMs`. */
  deadLetterActions: (store: Store, keepMs: number): StoreSweep => ({ collection: 'dead_letter_actions', sweep: (now) => store.deadLetterActions.sweepOlderThan(before(now, keepMs)) }),
  /** Digests sent more than `keepMs` ago, with their items and facts. */
  sentDigests: (store: Store, keepMs: number): StoreSweep => ({ collection: 'digests', sweep: (now) => store.digests.sweepSentBefore(before(now, keepMs)) }),
  /** Webhook deliveries delivered more than `keepMs` ago (parked and pending ones stay until handled). */
  deliveredWebhooks: (store: Store, keepMs: number): StoreSweep => ({ collection: 'webhook_deliveries', sweep: (now) => store.webhooks.sweepDeliveredBefore(before(now, keepMs)) }),
  /** Daily budget units once their local day is over everywhere. */
  budgets: (store: Store): StoreSweep => ({ collection: 'budget_units', sweep: (now) => store.budgets.sweepExpired(now) }),
  /** Users' learned send times not updated for `keepMs` (no read for that long: their weights have decayed to nothing). */
  sendTimes: (store: Store, keepMs: number): StoreSweep => ({ collection: 'send_times', sweep: (now) => store.sendTimes.sweepUpdatedBefore(before(now, keepMs)) }),
  /** Escalation ladders that finished more than `keepMs` ago, with their claims (until then a redelivered event finds its ladder). */
  finishedEscalations: (store: Store, keepMs: number): StoreSweep => ({ collection: 'escalations', sweep: (now) => store.escalations.sweepFinishedBefore(before(now, keepMs)) }),
};
