/**
 * A `Retry-After` header value as milliseconds from `now`. HTTP allows two forms (RFC 9110
 * §10.2.3): delay-seconds ("120") and an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT"). A date
 * already past is 0; an absent or unreadable value is undefined (the caller's own backoff decides).
 * @example retryAfterMs('7') // 7000
 */
export function retryAfterMs(value: string | readonly string[] | number | null | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? Math.round(raw * 1000) : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only a date that names its day and time: Date.parse reads far more than HTTP allows (a bare "5" is the year 2001).
  if (!/[a-z]{3}.*\d{1,2}:\d{2}:\d{2}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
