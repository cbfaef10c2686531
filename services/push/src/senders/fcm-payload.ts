import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';
import type { AndroidConfig, TokenMessage } from 'firebase-admin/messaging';
import { deepMerge, fitPayload, jsonBytes, PAYLOAD_LIMIT_BYTES, type PushContent, type TrimStep } from './payload-fit';

export type FcmBuild = { ok: true; message: TokenMessage; bytes: number; trimmed: TrimStep[] } | { ok: false; reason: string };

const HIGH_PRIORITY = new Set<Notification['priority']>(['critical', 'transactional']);

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
 *   `expiresAt`; `collapseKey`; `notification.notificationCount` = the badge.
 * - `push.android` (firebase-admin's `AndroidConfig`, camelCase) is deep-merged over `android`.
 * - Over 4096 bytes of `data` + `notification` (what FCM counts), content is given up in the order
 *   of {@link fitPayload}; when even the ids alone do not fit, the answer is not ok, with the reason.
 * @example buildFcmMessage(notification, device, 3, new Date())
 */
export function buildFcmMessage(notification: Notification, device: Device, badge?: number, now: Date = new Date()): FcmBuild {
  const silent = notification.push?.silent === true;
  const ttl = notification.expiresAt === undefined ? undefined : Math.max(0, Date.parse(notification.expiresAt) - now.getTime());
  const ours: AndroidConfig = {
    priority: HIGH_PRIORITY.has(notification.priority) ? 'high' : 'normal',
    ...(ttl === undefined ? {} : { ttl }),
    ...(notification.collapseKey === undefined ? {} : { collapseKey: notification.collapseKey }),
    ...(silent || badge === undefined ? {} : { notification: { notificationCount: badge } }),
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
