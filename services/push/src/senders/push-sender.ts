import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';

export type PushLane = 'transactional' | 'bulk';

/** One push to one device. */
export interface PushMessage {
  notification: Notification;
  device: Device;
  lane: PushLane;
  /** The user's unread count, for the app icon badge (APNs `badge`, Android `notification_count`). */
  badge?: number;
  /** Which attempt at this device this is (1 for the first): stats count a last attempt's retry as a failure. */
  attempt?: number;
}

/**
 * What became of one push, in the terms the push service acts on:
 * - `sent`: the provider accepted it;
 * - `invalid_token`: the token is dead (APNs 410 Unregistered / 400 BadDeviceToken, FCM UNREGISTERED /
 *   INVALID_ARGUMENT for the token): deactivate the device at once, never retry;
 * - `retry`: throttled (429) or the provider failed (5xx, network): try again later, after
 *   `retryAfterMs` when the provider said so;
 * - `failed`: any other refusal (payload, auth, topic): not retried, reported with the provider's reason.
 */
export type SendOutcome =
  | { status: 'sent'; providerId?: string }
  | { status: 'invalid_token'; reason: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'failed'; reason: string };

/** A provider connection. `send` answers one outcome per message, in order, and never throws for a provider refusal. */
export interface PushSender {
  readonly provider: 'apns' | 'fcm';
  send(messages: readonly PushMessage[]): Promise<SendOutcome[]>;
  close(): Promise<void>;
}
