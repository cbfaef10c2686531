import { createHash } from 'node:crypto';
import type { NotifyEvent } from '@notify/contracts';

/** A notification's collapse key is at most this long (the contracts' CollapseKey). */
const COLLAPSE_KEY_MAX = 64;
const PLACEHOLDER = /\{\{\s*payload\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}/g;

/**
 * The collapse key a notification gets: the rule's or the event's, with `{{payload.<path>}}` taking
 * the event's payload value, so one rule keeps one key per ride, order or chat
 * ("ride:{{payload.rideId}}" → "ride:7731"). A placeholder the payload has no string or number for
 * gives no key at all (nothing is replaced rather than everything under "ride:"); a key over 64
 * characters becomes its SHA-256 (hex, 64 characters).
 * @example collapseKeyOf('ride:{{payload.rideId}}', event) // 'ride:7731'
 */
export function collapseKeyOf(template: string | undefined, event: Pick<NotifyEvent, 'payload'>): string | undefined {
  if (template === undefined || !template.includes('{{')) return template;
  let missing = false;
  const key = template.replace(PLACEHOLDER, (_whole, path: string) => {
    let value: unknown = event.payload;
    for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    missing = true;
    return '';
  });
  if (missing) return undefined;
  return key.length <= COLLAPSE_KEY_MAX ? key : createHash('sha256').update(key).digest('hex');
}
