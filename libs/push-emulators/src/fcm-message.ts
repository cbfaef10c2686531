/** The v1 `Message` fields the emulator reads; the rest is kept as sent. */
export interface FcmMessage {
  token?: string;
  topic?: string;
  condition?: string;
  notification?: { title?: string; body?: string; image?: string };
  data?: Record<string, string>;
  android?: Record<string, unknown>;
  apns?: Record<string, unknown>;
  webpush?: Record<string, unknown>;
  fcm_options?: Record<string, unknown>;
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
  return { ok: true, message: message as FcmMessage, validateOnly };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
