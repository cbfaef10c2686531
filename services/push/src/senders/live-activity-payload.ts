import type { Aps, NotificationPushType } from '@parse/node-apn';
import type { LiveActivityUpdate, Notification } from '@notify/contracts';
import type { Device } from '@notify/store';
import type { ApnsBuild, ApnsRequest } from './apns-payload';
import { jsonBytes, PAYLOAD_LIMIT_BYTES } from './payload-fit';

/** APNs takes Live Activity pushes on the app's topic with this suffix, and only with this push type. */
export const LIVE_ACTIVITY_TOPIC_SUFFIX = '.push-type.liveactivity';
const LIVE_ACTIVITY_PUSH_TYPE: NotificationPushType = 'liveactivity';

/** The `aps` keys of a Live Activity push, as node-apn 8 names them (its `Aps` type and setters). */
type LiveActivityAps = Pick<Aps, 'timestamp' | 'event' | 'content-state' | 'stale-date' | 'dismissal-date' | 'relevance-score'> & {
  alert?: { title: string; body: string; sound?: string };
};

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * The APNs request that updates or ends a Live Activity, sent to one of its push tokens.
 *
 * - Headers: push type `liveactivity`, topic `<bundle id>.push-type.liveactivity`, priority 10
 *   unless the update asks for 5 (not counted against the activity's update budget); the
 *   notification's expiry as `apns-expiration`.
 * - `aps`: `event`, `content-state`, `timestamp` (the update's, else the event's creation, in
 *   seconds, so a retried push never looks newer than it is), `stale-date`, `dismissal-date`,
 *   `relevance-score` and `alert` {title, body, sound} when given. No badge: an activity has none.
 * - `notificationId` beside `aps`, like every push. The producer's `push.apns` block is not merged in.
 * @example buildLiveActivityRequest(notification, device)
 */
export function buildLiveActivityRequest(notification: Notification, device: Pick<Device, 'appId'>): ApnsBuild {
  const update: LiveActivityUpdate | undefined = notification.push?.liveActivity;
  if (!update) return { ok: false, reason: 'the notification carries no Live Activity update' };
  const aps: LiveActivityAps = {
    timestamp: seconds(update.timestamp ?? notification.createdAt),
    event: update.event,
    ...(update.contentState === undefined ? {} : { 'content-state': update.contentState }),
    ...(update.staleDate === undefined ? {} : { 'stale-date': seconds(update.staleDate) }),
    ...(update.dismissalDate === undefined ? {} : { 'dismissal-date': seconds(update.dismissalDate) }),
    ...(update.relevanceScore === undefined ? {} : { 'relevance-score': update.relevanceScore }),
    ...(update.alert ? { alert: update.alert } : {}),
  };
  const rawPayload = { aps, notificationId: notification.notificationId };
  const bytes = jsonBytes(rawPayload);
  if (bytes > PAYLOAD_LIMIT_BYTES) return { ok: false, reason: `Live Activity payload too large: ${bytes} bytes (limit ${PAYLOAD_LIMIT_BYTES}); shorten its content state or alert` };
  const request: ApnsRequest = {
    topic: `${device.appId}${LIVE_ACTIVITY_TOPIC_SUFFIX}`,
    pushType: LIVE_ACTIVITY_PUSH_TYPE,
    priority: update.apnsPriority ?? 10,
    ...(notification.expiresAt === undefined ? {} : { expiry: seconds(notification.expiresAt) }),
    rawPayload,
  };
  return { ok: true, request, bytes, trimmed: [] };
}
