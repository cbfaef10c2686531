/** The v1 `Message` fields the emulator reads; the rest is kept as sent. */
export interface FcmMessage {
  token?: string;
  topic?: string;
  condition?: string;
  notification?: { title?: string; body?: string; image?: string };
  data?: Record<string, string>;
  android?: Record<string, unknown>;
  apns?: Record<string, unknown>;
  /** A browser's block, recorded as sent: `headers` (TTL, Urgency, Topic), `notification`, `fcm_options.link`. */
  webpush?: WebpushBlock;
  fcm_options?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The `webpush` block as the v1 API takes it (firebase-admin sends `fcmOptions`, the REST docs say `fcm_options`). */
export interface WebpushBlock {
  headers?: Record<string, string>;
  data?: Record<string, string>;
  notification?: Record<string, unknown>;
  fcm_options?: { link?: string; analytics_label?: string };
  fcmOptions?: { link?: string; analyticsLabel?: string };
  [field: string]: unknown;
}

export type SendRequestCheck =
  | { ok: true; message: FcmMessage; validateOnly: boolean }
  | { ok: false; message: string; field?: string };

const requestFields = new Set(['message', 'validate_only', 'validateOnly']);
const messageFields = new Set(['name', 'token', 'topic', 'condition', 'notification', 'data', 'android', 'apns', 'webpush', 'fcm_options', 'fcmOptions']);
const notificationFields = new Set(['title', 'body', 'image']);
const topicPattern = /^[a-zA-Z0-9-_.~%]{1,900}$/;

/**
 * Validates a `messages:send` body the way FCM does at its edge: known fields only, exactly
 * one target, string-only data, objects where objects belong. Messages mimic Google's wording.
 */
export function checkSendRequest(body: unknown): SendRequestCheck {
  if (!isObject(body)) return { ok: false, message: 'Invalid JSON payload received. Expected an object.' };
  for (const key of Object.keys(body)) {
    if (!requestFields.has(key)) return { ok: false, message: `Invalid JSON payload received. Unknown name "${key}": Cannot find field.` };
  }
  const { message } = body;
  const validateOnly = body.validate_only ?? body.validateOnly ?? false;
  if (typeof validateOnly !== 'boolean') return { ok: false, message: `Invalid value at 'validate_only' (TYPE_BOOL), ${JSON.stringify(validateOnly)}`, field: 'validate_only' };
  if (!isObject(message)) return { ok: false, message: 'Request contains an invalid argument.', field: 'message' };
  for (const key of Object.keys(message)) {
    if (!messageFields.has(key)) return { ok: false, message: `Invalid JSON payload received. Unknown name "${key}" at 'message': Cannot find field.`, field: 'message' };
  }

  const targets = (['token', 'topic', 'condition'] as const).filter((key) => message[key] !== undefined);
  if (targets.length === 0) return { ok: false, message: 'Recipient of the message is not set.', field: 'message' };
  if (targets.length > 1) return { ok: false, message: `Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '${targets[1]}'`, field: 'message' };
  for (const key of targets) {
    if (typeof message[key] !== 'string' || message[key] === '') return { ok: false, message: `Invalid value at 'message.${key}' (TYPE_STRING), ${JSON.stringify(message[key])}`, field: `message.${key}` };
  }
  if (typeof message.topic === 'string' && !topicPattern.test(message.topic)) return { ok: false, message: 'Invalid topic name.', field: 'message.topic' };

  if (message.data !== undefined) {
    if (!isObject(message.data)) return { ok: false, message: `Invalid value at 'message.data' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(message.data)}`, field: 'message.data' };
    const entries = Object.entries(message.data);
    const bad = entries.findIndex(([, value]) => typeof value !== 'string');
    if (bad >= 0) return { ok: false, message: `Invalid value at 'message.data[${bad}].value' (TYPE_STRING), ${JSON.stringify(entries[bad]![1])}`, field: `message.data[${bad}].value` };
  }
  if (message.notification !== undefined) {
    if (!isObject(message.notification)) return { ok: false, message: "Invalid value at 'message.notification'", field: 'message.notification' };
    for (const [key, value] of Object.entries(message.notification)) {
      if (!notificationFields.has(key)) return { ok: false, message: `Invalid JSON payload received. Unknown name "${key}" at 'message.notification': Cannot find field.`, field: 'message.notification' };
      if (typeof value !== 'string') return { ok: false, message: `Invalid value at 'message.notification.${key}' (TYPE_STRING), ${JSON.stringify(value)}`, field: `message.notification.${key}` };
    }
  }
  for (const key of ['android', 'apns', 'webpush', 'fcm_options', 'fcmOptions'] as const) {
    if (message[key] !== undefined && !isObject(message[key])) return { ok: false, message: `Invalid value at 'message.${key}'`, field: `message.${key}` };
  }
  if (message.webpush !== undefined) {
    const problem = webpushProblem(message.webpush as Record<string, unknown>);
    if (problem) return { ok: false, ...problem };
  }
  return { ok: true, message: message as FcmMessage, validateOnly };
}

const webpushFields = new Set(['headers', 'data', 'notification', 'fcm_options', 'fcmOptions']);
/** RFC 8030's Urgency values (its Topic: 32 characters at most, of the URL-safe base64 alphabet). */
const urgencies = new Set(['very-low', 'low', 'normal', 'high']);

/** What FCM refuses in a `webpush` block: unknown fields, non-string headers or data, a bad TTL or Urgency, a link that is not https. */
function webpushProblem(webpush: Record<string, unknown>): { message: string; field: string } | undefined {
  for (const key of Object.keys(webpush)) {
    if (!webpushFields.has(key)) return { message: `Invalid JSON payload received. Unknown name "${key}" at 'message.webpush': Cannot find field.`, field: 'message.webpush' };
  }
  for (const key of ['headers', 'data'] as const) {
    const map = webpush[key];
    if (map === undefined) continue;
    if (!isObject(map)) return { message: `Invalid value at 'message.webpush.${key}'`, field: `message.webpush.${key}` };
    const bad = Object.entries(map).findIndex(([, value]) => typeof value !== 'string');
    if (bad >= 0) return { message: `Invalid value at 'message.webpush.${key}[${bad}].value' (TYPE_STRING)`, field: `message.webpush.${key}[${bad}].value` };
  }
  const headers = (webpush.headers ?? {}) as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'ttl' && !/^\d+$/.test(value)) return { message: `Invalid TTL header: ${JSON.stringify(value)} (seconds, a whole number)`, field: 'message.webpush.headers' };
    if (name.toLowerCase() === 'urgency' && !urgencies.has(value)) return { message: `Invalid Urgency header: ${JSON.stringify(value)} (very-low, low, normal or high)`, field: 'message.webpush.headers' };
    if (name.toLowerCase() === 'topic' && !/^[A-Za-z0-9_-]{1,32}$/.test(value)) return { message: `Invalid Topic header: ${JSON.stringify(value)} (at most 32 characters of the URL-safe base64 alphabet)`, field: 'message.webpush.headers' };
  }
  if (webpush.notification !== undefined && !isObject(webpush.notification)) return { message: "Invalid value at 'message.webpush.notification'", field: 'message.webpush.notification' };
  const options = webpush.fcm_options ?? webpush.fcmOptions;
  if (options !== undefined) {
    if (!isObject(options)) return { message: "Invalid value at 'message.webpush.fcm_options'", field: 'message.webpush.fcm_options' };
    const link = options.link;
    if (link !== undefined && (typeof link !== 'string' || !link.startsWith('https://'))) return { message: 'The link in webpush.fcm_options must be an HTTPS URL.', field: 'message.webpush.fcm_options.link' };
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
