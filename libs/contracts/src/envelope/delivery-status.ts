import { z } from 'zod';
import { EventId, EventType, IsoTimestamp, NotificationId, UserId } from './fields';

/** Every decision and every delivery step, so a notification's history can be traced. */
export const DELIVERY_STATES = [
  'accepted',
  'routed',
  'batched',
  'suppressed',
  'rate_capped',
  'held_quiet_hours',
  'expired',
  'dead_lettered',
  'duplicate',
  'sent',
  'delivered',
  'seen',
  'read',
  'archived',
  'failed',
  'shed_budget',
  'escalated',
  'superseded',
] as const;
export const DeliveryState = z.enum(DELIVERY_STATES);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const Channel = z.enum(['inapp', 'push', 'apns', 'fcm', 'sse', 'webhook']);
export type Channel = z.infer<typeof Channel>;

export const DeliveryStatusV1 = z
  .object({
    version: z.literal(1),
    notificationId: NotificationId.optional(),
    eventId: EventId,
    eventType: EventType.optional().describe('The type of the event this step belongs to, when the service that wrote it knows it'),
    userId: UserId.optional(),
    status: DeliveryState,
    channel: Channel.optional(),
    reason: z.string().max(1024).optional().describe('Why, for anything but plain success'),
    service: z.string().min(1).max(64),
    at: IsoTimestamp,
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type DeliveryStatus = z.infer<typeof DeliveryStatusV1>;
