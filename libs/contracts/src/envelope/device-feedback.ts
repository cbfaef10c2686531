import { z } from 'zod';
import { IsoTimestamp, UserId } from './fields';

/**
 * What the push service tells the product's backend about its users' devices, so the backend can
 * clean up its own records. Today one kind: `device.deactivated`, the provider said the token is dead
 * (APNs 410 Unregistered, FCM registration-token-not-registered, …) and the push service will not push
 * to it again until it is registered again. Unlike devices.changes (internal, token suffix only), it
 * carries the full token: the backend's records are keyed by it.
 */
export const DeviceFeedbackV1 = z
  .object({
    version: z.literal(1),
    type: z.literal('device.deactivated').describe('device.deactivated: the provider said the token is dead; the device is no longer pushed to'),
    userId: UserId,
    token: z.string().min(1).max(4096).describe('The full device token, as registered'),
    platform: z.enum(['ios', 'android', 'web']),
    appId: z.string().min(1).max(256).describe('iOS bundle id or Android package name the device was registered with'),
    environment: z.enum(['sandbox', 'production']).optional().describe('APNs environment of the device'),
    provider: z.enum(['apns', 'fcm']),
    reason: z
      .string()
      .min(1)
      .max(128)
      .describe("The provider's short reason: an APNs reason (Unregistered, ExpiredToken, BadDeviceToken, DeviceTokenNotForTopic) or a firebase-admin code (messaging/registration-token-not-registered, …)"),
    description: z.string().max(1024).optional().describe("The provider's answer as the push service recorded it, e.g. \"410 Unregistered\""),
    at: IsoTimestamp,
  })
  .strict();
export type DeviceFeedback = z.infer<typeof DeviceFeedbackV1>;
