import { createHash } from 'node:crypto';
import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';
import { buildLiveActivityRequest } from './live-activity-payload';
import { deepMerge, fitPayload, jsonBytes, PAYLOAD_LIMIT_BYTES, type PushContent, type TrimStep } from './payload-fit';

/**
 * One APNs request as node-apn `Notification` fields: `Object.assign(new apn.Notification(), request)`.
 * `rawPayload` is the exact JSON body, so its size is the size APNs sees.
 */
export interface ApnsRequest {
  topic: string;
  pushType: string;
  priority: number;
  collapseId?: string;
  /** `apns-expiration`, UNIX seconds; absent: APNs stores the push for as long as it likes. */
  expiry?: number;
  /** `apns-id`, a UUID, only when the producer gave one. */
  id?: string;
  rawPayload: Record<string, unknown>;
}

export type ApnsBuild = { ok: true; request: ApnsRequest; bytes: number; trimmed: TrimStep[] } | { ok: false; reason: string };

const HIGH_PRIORITY = new Set<Notification['priority']>(['critical', 'transactional']);
const COLLAPSE_ID_MAX_BYTES = 64;

/**
 * The APNs request for one notification to one iOS device.
 *
 * - An alert (`aps.alert` {title, body}, `badge`, `thread-id`) at priority 10 for critical and
 *   transactional, 5 for normal and marketing; with `push.silent` a background push
 *   (`content-available: 1`, push type `background`, priority 5 as Apple requires, no badge).
 * - Custom keys: `notificationId`, `deepLink`, `data` (the content's data object as is).
 * - `thread-id` groups digests of one type (`digest:<type>`), otherwise pushes of one collapse key.
 * - `push.apns` is merged over all of it as the producer gave it, in the shape FCM's `apns` block
 *   uses: `headers` (`apns-priority`, `apns-push-type`, `apns-collapse-id`, `apns-expiration`,
 *   `apns-topic`, `apns-id`) and `payload` (`aps` fields and custom keys); other top-level keys are
 *   taken as payload keys, so `{ aps: { sound: 'default' } }` works too.
 * - A Live Activity update is built by {@link buildLiveActivityRequest} instead.
 * - Over 4096 bytes, content is given up in the order of {@link fitPayload}; when even the ids alone
 *   do not fit, the answer is not ok, with the reason.
 * @example buildApnsRequest(notification, device, 3)
 */
export function buildApnsRequest(notification: Notification, device: Device, badge?: number): ApnsBuild {
  if (notification.push?.liveActivity) return buildLiveActivityRequest(notification, device);
  const silent = notification.push?.silent === true;
  const { headers: headerOverride, payload: payloadOverride, ...looseOverride } = notification.push?.apns ?? {};
  const overrides = deepMerge(isRecord(payloadOverride) ? payloadOverride : {}, looseOverride);

  const headers = headerFields(headerOverride);
  if (!headers.ok) return headers;
  const collapseId = notification.collapseKey === undefined ? undefined : collapseIdOf(notification.collapseKey);
  const request: Omit<ApnsRequest, 'rawPayload'> = {
    topic: device.appId,
    pushType: silent ? 'background' : 'alert',
    priority: silent || !HIGH_PRIORITY.has(notification.priority) ? 5 : 10,
    ...(collapseId === undefined ? {} : { collapseId }),
    ...(notification.expiresAt === undefined ? {} : { expiry: Math.floor(Date.parse(notification.expiresAt) / 1000) }),
    ...headers.fields,
  };

  const threadId = notification.digest ? `digest:${notification.type}` : notification.collapseKey;
  const build = (content: PushContent): Record<string, unknown> => {
    const alert = { ...(content.title ? { title: content.title } : {}), ...(content.body ? { body: content.body } : {}) };
    const aps = silent
      ? { 'content-available': 1 }
      : {
          ...(Object.keys(alert).length > 0 ? { alert } : {}),
          ...(badge === undefined ? {} : { badge }),
          ...(threadId === undefined ? {} : { 'thread-id': threadId }),
        };
    const ours = {
      aps,
      notificationId: notification.notificationId,
      ...(content.deepLink ? { deepLink: content.deepLink } : {}),
      ...(content.data && Object.keys(content.data).length > 0 ? { data: content.data } : {}),
    };
    return deepMerge(ours, overrides);
  };
  const fitted = fitPayload(notification.content, build, jsonBytes, PAYLOAD_LIMIT_BYTES);
  if (!fitted.ok) return fitted;
  return { ok: true, request: { ...request, rawPayload: fitted.value }, bytes: fitted.bytes, trimmed: fitted.trimmed };
}

/** APNs refuses a collapse id over 64 bytes; a longer (multi-byte) key becomes its hash, still one id per key. */
function collapseIdOf(key: string): string {
  return Buffer.byteLength(key) <= COLLAPSE_ID_MAX_BYTES ? key : createHash('sha256').update(key).digest('hex');
}

type HeaderFields = Partial<Pick<ApnsRequest, 'topic' | 'pushType' | 'priority' | 'collapseId' | 'expiry' | 'id'>>;

/** The producer's `apns-*` headers as node-apn fields; node-apn cannot send any other header. */
function headerFields(given: unknown): { ok: true; fields: HeaderFields } | { ok: false; reason: string } {
  if (given === undefined) return { ok: true, fields: {} };
  if (!isRecord(given)) return { ok: false, reason: 'push.apns.headers must be an object of apns-* headers' };
  const fields: HeaderFields = {};
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const text = String(value);
    switch (name.toLowerCase()) {
      case 'apns-priority':
      case 'apns-expiration': {
        const n = Number(text);
        if (!Number.isInteger(n) || n < 0) return { ok: false, reason: `push.apns.headers.${name} must be a non-negative integer, got ${JSON.stringify(value)}` };
        if (name.toLowerCase() === 'apns-priority') fields.priority = n;
        else fields.expiry = n;
        break;
      }
      case 'apns-push-type':
        fields.pushType = text;
        break;
      case 'apns-collapse-id':
        fields.collapseId = text;
        break;
      case 'apns-topic':
        fields.topic = text;
        break;
      case 'apns-id':
        fields.id = text;
        break;
    }
  }
  return { ok: true, fields };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
