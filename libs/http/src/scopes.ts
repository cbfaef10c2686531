/**
 * What a product team's token may do. Admin tokens may do everything; a producer token only what its
 * scopes name. `events:read` reads the status trail of the events this same token sent, never another's.
 */
export const PRODUCER_SCOPES = [
  'events:write',
  'events:read',
  'presence:read',
  'preferences:read',
  'preferences:write',
  'devices:read',
  'devices:write',
  'topics:read',
  'topics:write',
  'webhooks:read',
  'webhooks:write',
] as const;
export type Scope = (typeof PRODUCER_SCOPES)[number];

/**
 * The scopes of a token written the old way (`name:secret`): send events and follow them, nothing that
 * reads or changes users' presence, preferences, devices or topics.
 */
export const DEFAULT_PRODUCER_SCOPES: readonly Scope[] = ['events:write', 'events:read'];

const isScope = (value: string): value is Scope => (PRODUCER_SCOPES as readonly string[]).includes(value);

/** `events:write+presence:read`, as written after a token's secret; an unknown or empty scope is an error naming it. */
export function parseScopes(list: string, tokenName: string): Scope[] {
  const scopes = list.split('+').map((s) => s.trim());
  for (const scope of scopes) {
    if (scope === '') throw new Error(`token "${tokenName}" has an empty scope (write scopes joined by +, e.g. events:write+events:read)`);
    if (!isScope(scope)) throw new Error(`token "${tokenName}" has an unknown scope "${scope}" (known: ${PRODUCER_SCOPES.join(', ')})`);
  }
  return [...new Set(scopes as Scope[])];
}
