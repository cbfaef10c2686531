/**
 * The limits of what a product event may carry: one set of numbers, checked where an event first
 * arrives (HTTP intake and the intake topics alike), chosen so that every notification the router
 * makes of a valid event fits its delivery topic (catalogue.spec.ts proves it for the largest one).
 */
export const KIB = 1024;

export const EVENT_LIMITS = {
  /** The payload as JSON, in bytes. It travels whole as the notification's `data`, and title, body and deep link are copied out of it. */
  payloadMaxBytes: 24 * KIB,
  /** Objects and arrays inside one another, the envelope itself being level 1. */
  maxDepth: 16,
  titleMaxChars: 256,
  bodyMaxChars: 4096,
  deepLinkMaxChars: 2048,
} as const;

/**
 * Keys no message may use at any depth: an object built from them in JavaScript gets another
 * prototype (`__proto__`), or looks like one to merge helpers elsewhere (`constructor`, `prototype`).
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first structural problem of a parsed JSON value, walked without recursion (so that no depth
 * overflows the stack): nesting beyond `maxDepth` or a reserved key, named by its path. Null if none.
 */
export function structuralProblem(json: unknown, maxDepth: number = EVENT_LIMITS.maxDepth): string | null {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: json, path: '', depth: 1 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) return `${path || '(root)'}: nested deeper than ${maxDepth} levels`;
    if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (RESERVED_KEYS.has(key)) return `${at}: "${key}" is a reserved key and may not be used`;
      pending.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}
