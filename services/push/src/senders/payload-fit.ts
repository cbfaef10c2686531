/** What a push payload carries of a notification's content, in the order it is given up when too big. */
export interface PushContent {
  title?: string | undefined;
  body?: string | undefined;
  deepLink?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** APNs (alert and background pushes) and FCM both take at most 4096 bytes of payload. */
export const PAYLOAD_LIMIT_BYTES = 4096;

export type TrimStep = 'data dropped' | 'body shortened' | 'body dropped' | 'title shortened' | 'title dropped' | 'deep link dropped';

export type Fitted<T> = { ok: true; value: T; bytes: number; trimmed: TrimStep[] } | { ok: false; reason: string };

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Builds a payload from `content` and, when it is over `limit` bytes, gives up content in this
 * order until it fits: `data`, then the end of the body, then the end of the title (both cut on
 * grapheme boundaries and ended with an ellipsis, or removed), then the deep link. The ids the
 * builder always writes are never trimmed: the app can fetch the full notification by its id.
 * @example fitPayload(content, (c) => JSON.stringify({ aps: { alert: c } }), 4096)
 */
export function fitPayload<T>(content: PushContent, build: (content: PushContent) => T, measure: (value: T) => number, limit = PAYLOAD_LIMIT_BYTES): Fitted<T> {
  const trimmed: TrimStep[] = [];
  let current: PushContent = { ...content };
  const attempt = (c: PushContent) => {
    const value = build(c);
    return { value, bytes: measure(value) };
  };
  let best = attempt(current);
  if (best.bytes <= limit) return { ok: true, ...best, trimmed };

  if (current.data !== undefined && Object.keys(current.data).length > 0) {
    current = { ...current, data: undefined };
    trimmed.push('data dropped');
    best = attempt(current);
    if (best.bytes <= limit) return { ok: true, ...best, trimmed };
  }

  for (const field of ['body', 'title'] as const) {
    const text = current[field];
    if (!text) continue;
    const shortened = shortenToFit(text, (t) => attempt({ ...current, [field]: t }).bytes <= limit);
    current = { ...current, [field]: shortened };
    trimmed.push(`${field} ${shortened === undefined ? 'dropped' : 'shortened'}`);
    best = attempt(current);
    if (best.bytes <= limit) return { ok: true, ...best, trimmed };
  }

  if (current.deepLink !== undefined) {
    current = { ...current, deepLink: undefined };
    trimmed.push('deep link dropped');
    best = attempt(current);
    if (best.bytes <= limit) return { ok: true, ...best, trimmed };
  }
  return { ok: false, reason: `payload too large: ${best.bytes} bytes with only the ids left (limit ${limit}); the producer's overrides or ids are too big` };
}

/**
 * The longest prefix of `text` (whole graphemes, ended with an ellipsis) that `fits`, or undefined
 * when not even one grapheme does. Binary search: each probe builds one payload.
 */
export function shortenToFit(text: string, fits: (candidate: string) => boolean): string | undefined {
  const parts = Array.from(graphemes.segment(text), (s) => s.segment);
  const candidate = (kept: number) => parts.slice(0, kept).join('').trimEnd() + ELLIPSIS;
  if (parts.length < 2 || !fits(candidate(1))) return undefined;
  let low = 1;
  let high = parts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(candidate(mid))) low = mid;
    else high = mid - 1;
  }
  return candidate(low);
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `override` deep-merged over `base`: nested objects merge, anything else (arrays included) from
 * `override` replaces; `undefined` in `override` leaves the base value. Returns a new object.
 * @example deepMerge({ aps: { badge: 1 } }, { aps: { sound: 'default' } }) // { aps: { badge: 1, sound: 'default' } }
 */
export function deepMerge(base: Plain, override: Plain): Plain {
  const merged: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/** Byte length of a value's JSON. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');
