import { createHash } from 'node:crypto';
import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';
import type { AndroidConfig, TokenMessage, WebpushConfig } from 'firebase-admin/messaging';
import { deepMerge, fitPayload, jsonBytes, PAYLOAD_LIMIT_BYTES, type PushContent, type TrimStep } from './payload-fit';

export type FcmBuild = { ok: true; message: TokenMessage; bytes: number; trimmed: TrimStep[] } | { ok: false; reason: string };

const HIGH_PRIORITY = new Set<Notification['priority']>(['critical', 'transactional']);

/** What FCM keeps an undelivered message for when nothing shorter is asked: four weeks, its longest. */
export const WEBPUSH_DEFAULT_TTL_S = 28 * 86_400;

/** How web pushes look beyond the notification's own content. */
export interface WebPushLook {
  /** Icon shown with every web notification (an https URL). */
  iconUrl?: string | undefined;
}

/**
 * The firebase-admin message for one notification to one Android or web device.
 *
 * - `notification` {title, body}, unless `push.silent`: then a data-only message (no
 *   `android.notification` either, which would make Android display it).
 * - `data` (FCM takes string values only): `notificationId`, `deepLink`, and the content's `data`
 *   object JSON-encoded under the key `data`. Encoded rather than flattened so that nested values
 *   and types survive, no producer key can collide with ours or with FCM's reserved keys (`from`,
 *   `google.*`, `gcm.*`, `collapse_key`), and apps read the same `data` object as on iOS.
 * - `android`: priority `high` for critical and transactional, `normal` otherwise; `ttl` (ms) until
 *   `expiresAt`; `collapseKey` (FCM keeps only the latest undelivered message of a key) and
 *   `notification.tag` = the collapse key too (the shown notification is replaced on the device, not
 *   stacked, even after the first one was delivered); `notification.notificationCount` = the badge.
 * - `push.android` (firebase-admin's `AndroidConfig`, camelCase) is deep-merged over `android`.
 * - A `web` device gets no `android` block and no top-level `notification`, but FCM's `webpush`:
 *   `notification` {title, body, icon}, `fcmOptions.link` = the deep link when it is an https URL (what
 *   the browser opens on a click; FCM takes nothing else), and the Web Push headers `TTL` (seconds
 *   until `expiresAt`, else FCM's four weeks), `Urgency` (`high` for critical and transactional,
 *   `low` for marketing, `normal` otherwise) and, with a collapse key, `Topic` (the push service keeps
 *   only the latest undelivered message of a topic; see {@link webPushTopic}). The `data` is the same
 *   as on Android.
 * - Over 4096 bytes of `data` + `notification` (what FCM counts), content is given up in the order
 *   of {@link fitPayload}; when even the ids alone do not fit, the answer is not ok, with the reason.
 * @example buildFcmMessage(notification, device, 3, new Date())
 */
export function buildFcmMessage(notification: Notification, device: Device, badge?: number, now: Date = new Date(), web: WebPushLook = {}): FcmBuild {
  const silent = notification.push?.silent === true;
  const ttl = notification.expiresAt === undefined ? undefined : Math.max(0, Date.parse(notification.expiresAt) - now.getTime());
  if (device.platform === 'web') return buildWebpushMessage(notification, device, ttl, web);
  const ours: AndroidConfig = {
    priority: HIGH_PRIORITY.has(notification.priority) ? 'high' : 'normal',
    ...(ttl === undefined ? {} : { ttl }),
    ...(notification.collapseKey === undefined ? {} : { collapseKey: notification.collapseKey }),
    ...(silent ? {} : shownOnAndroid(notification.collapseKey, badge)),
  };
  const android = deepMerge(ours as Record<string, unknown>, notification.push?.android ?? {}) as AndroidConfig;

  const build = (content: PushContent): Pick<TokenMessage, 'data' | 'notification'> => {
    const shown = { ...(content.title ? { title: content.title } : {}), ...(content.body ? { body: content.body } : {}) };
    return {
      data: {
        notificationId: notification.notificationId,
        ...(content.deepLink ? { deepLink: content.deepLink } : {}),
        ...(content.data && Object.keys(content.data).length > 0 ? { data: JSON.stringify(content.data) } : {}),
      },
      ...(silent || Object.keys(shown).length === 0 ? {} : { notification: shown }),
    };
  };
  const fitted = fitPayload(notification.content, build, jsonBytes, PAYLOAD_LIMIT_BYTES);
  if (!fitted.ok) return fitted;
  return { ok: true, message: { token: device.token, ...fitted.value, android }, bytes: fitted.bytes, trimmed: fitted.trimmed };
}

/** The `android.notification` block of a shown push: the collapse key as its tag, the badge. */
function shownOnAndroid(collapseKey: string | undefined, badge: number | undefined): Pick<AndroidConfig, 'notification'> {
  const shown = { ...(collapseKey === undefined ? {} : { tag: collapseKey }), ...(badge === undefined ? {} : { notificationCount: badge }) };
  return Object.keys(shown).length === 0 ? {} : { notification: shown };
}

/**
 * The Web Push `Topic` of a collapse key (RFC 8030: at most 32 characters of the URL-safe base64
 * alphabet): the key itself when it is one, else the first 32 characters of its SHA-256 in base64url.
 * @example webPushTopic('ride-42') // 'ride-42'; webPushTopic('ride:42') // a 32-character hash
 */
export function webPushTopic(collapseKey: string): string {
  return /^[A-Za-z0-9_-]{1,32}$/.test(collapseKey) ? collapseKey : createHash('sha256').update(collapseKey).digest('base64url').slice(0, 32);
}

const dataOf = (notificationId: string, content: PushContent): Record<string, string> => ({
  notificationId,
  ...(content.deepLink ? { deepLink: content.deepLink } : {}),
  ...(content.data && Object.keys(content.data).length > 0 ? { data: JSON.stringify(content.data) } : {}),
});

/** The message for a browser: FCM's `webpush` block, nothing for Android (see {@link buildFcmMessage}). */
function buildWebpushMessage(notification: Notification, device: Device, ttlMs: number | undefined, look: WebPushLook): FcmBuild {
  const silent = notification.push?.silent === true;
  const urgency = HIGH_PRIORITY.has(notification.priority) ? 'high' : notification.priority === 'marketing' ? 'low' : 'normal';
  const headers = {
    TTL: String(ttlMs === undefined ? WEBPUSH_DEFAULT_TTL_S : Math.floor(ttlMs / 1000)),
    Urgency: urgency,
    ...(notification.collapseKey === undefined ? {} : { Topic: webPushTopic(notification.collapseKey) }),
  };
  const build = (content: PushContent): Pick<TokenMessage, 'data' | 'webpush'> => {
    const shown = { ...(content.title ? { title: content.title } : {}), ...(content.body ? { body: content.body } : {}) };
    const showing = !silent && Object.keys(shown).length > 0;
    const link = content.deepLink !== undefined && isHttpsUrl(content.deepLink) ? content.deepLink : undefined;
    const webpush: WebpushConfig = {
      headers,
      ...(showing ? { notification: { ...shown, ...(look.iconUrl ? { icon: look.iconUrl } : {}) } } : {}),
      ...(showing && link ? { fcmOptions: { link } } : {}),
    };
    return { data: dataOf(notification.notificationId, content), webpush };
  };
  const fitted = fitPayload(notification.content, build, (value) => jsonBytes({ data: value.data, notification: value.webpush?.notification }), PAYLOAD_LIMIT_BYTES);
  if (!fitted.ok) return fitted;
  return { ok: true, message: { token: device.token, ...fitted.value }, bytes: fitted.bytes, trimmed: fitted.trimmed };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
