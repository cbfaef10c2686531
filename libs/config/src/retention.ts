import { setting } from './setting';
import { env } from './types';

/** How often a service deletes what it no longer needs; every service that writes to the database spreads these in. */
export const retentionScheduleSettings = {
  retentionEnabled: setting('RETENTION_ENABLED', env.boolean(true), 'Run the retention sweeps (expired idempotency keys, old status trail, old and expired inbox items, sent digests); off only when something else cleans the database'),
  retentionIntervalMs: setting('RETENTION_INTERVAL_MS', env.int(60_000, 1000), 'How often each service runs its retention sweeps (jittered by ±20 %, one sweep at a time, never overlapping)'),
};

/** The router's: the status trail (delivery log). */
export const deliveryLogRetentionSettings = {
  retentionDeliveryLogDays: setting('RETENTION_DELIVERY_LOG_DAYS', env.positive(30), 'Days the status trail (delivery log) of a notification is kept (fractions allowed: 0.5 is 12 hours)'),
};

/** The gateway's: the in-app inbox. */
export const inboxRetentionSettings = {
  retentionInboxDays: setting('RETENTION_INBOX_DAYS', env.positive(90), 'Days an inbox item is kept (an item with its own expiry goes when it expires, if sooner; fractions allowed)'),
};

export const DAY_MS = 24 * 60 * 60 * 1000;
