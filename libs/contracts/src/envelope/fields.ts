import { z } from 'zod';

/** Building blocks shared by every envelope, so an id means the same thing on every topic. */
export const UserId = z.string().min(1).max(128).describe("The recipient's user id; also the partition key");
export const EventId = z.string().min(1).max(128).describe('Idempotency key chosen by the producer: the same id twice is one notification');
export const NotificationId = z.string().min(1).max(160).describe('One notification = one event for one recipient');
export const Tenant = z.string().min(1).max(64).describe('Tenant (product or team) the event belongs to');
export const IsoTimestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 timestamp');
export const EventType = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9]+([._:-][A-Za-z0-9]+)*$/, 'dot-separated words such as "payment.succeeded"')
  .describe('Event type, e.g. "payment.succeeded"; rules match on it with wildcards');
export const Category = z.string().min(1).max(64).describe('Category for preferences and rules, e.g. "security", "offers"');
export const CollapseKey = z.string().min(1).max(64).describe('Newer notifications with the same key replace older ones');
