/** What a console user starts from: one key per ride, filled from each event's payload. */
export const SUGGESTED_COLLAPSE_KEY = 'ride:{{payload.rideId}}';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The collapse key of a definition (parsed JSON): '' when it sets none. */
export function collapseKeyIn(definition: unknown): string {
  if (!isObject(definition) || !isObject(definition.outcome)) return '';
  return typeof definition.outcome.collapseKey === 'string' ? definition.outcome.collapseKey : '';
}

/** The definition with this collapse key in its outcome ('' removes it); the rest is untouched. */
export function withCollapseKey(definition: unknown, key: string): Record<string, unknown> {
  const base: Record<string, unknown> = isObject(definition) ? { ...definition } : {};
  const outcome: Record<string, unknown> = isObject(base.outcome) ? { ...base.outcome } : {};
  if (key === '') delete outcome.collapseKey;
  else outcome.collapseKey = key;
  return { ...base, outcome };
}
