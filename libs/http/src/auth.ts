import { z } from 'zod';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';
import { DEFAULT_PRODUCER_SCOPES, parseScopes, type Scope } from './scopes';

export type TokenRole = 'admin' | 'producer';

/** A static API token: who it is (recorded as the actor of every change it makes) and what it may do. */
export interface ApiToken {
  name: string;
  role: TokenRole;
  secret: string;
  /** A producer token's scopes; unset means DEFAULT_PRODUCER_SCOPES. Admin tokens may do everything. */
  scopes?: readonly Scope[];
}

/** Who called a route, once its token check passed. */
export interface Caller {
  name: string;
  role: TokenRole;
  scopes: readonly Scope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once a route's token check passed. */
    caller?: Caller;
  }
}

/**
 * Tokens as operators write them in ADMIN_TOKENS / INTAKE_TOKENS: `name:secret`, and for producer
 * tokens optionally `name:secret:scope+scope` (so a producer secret cannot contain ":").
 */
export function parseTokens(entries: readonly string[], role: TokenRole): ApiToken[] {
  return entries.map((entry) => {
    const separator = entry.indexOf(':');
    if (separator <= 0) throw new Error(`a token must be written name:secret (got one without a name)`);
    const name = entry.slice(0, separator);
    const rest = entry.slice(separator + 1);
    const scopesAt = role === 'producer' ? rest.indexOf(':') : -1;
    const secret = scopesAt < 0 ? rest : rest.slice(0, scopesAt);
    if (secret.length < 16) throw new Error(`the secret of token "${name}" is shorter than 16 characters`);
    if (role === 'admin') return { name, role, secret };
    return { name, role, secret, scopes: scopesAt < 0 ? DEFAULT_PRODUCER_SCOPES : parseScopes(rest.slice(scopesAt + 1), name) };
  });
}

/** Whether a caller may do what `scope` names: admin tokens may do everything. */
export function callerHasScope(caller: Caller | undefined, scope: Scope): boolean {
  return caller !== undefined && (caller.role === 'admin' || caller.scopes.includes(scope));
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * A fastify preHandler that admits a bearer token of one of the given roles. Secrets are compared as
 * SHA-256 digests in constant time, so response timing does not reveal how much of a guess was right.
 */
export function requireToken(tokens: readonly ApiToken[], roles: readonly TokenRole[]) {
  const known = tokens.map((t) => ({ ...t, digest: digest(t.secret) }));
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'send a token as "Authorization: Bearer <token>"');
    const presented = digest(header.slice(7).trim());
    const token = known.find((t) => timingSafeEqual(t.digest, presented));
    if (!token) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'unknown token');
    if (!roles.includes(token.role)) throw new HttpError('NOTIFY_ERR_FORBIDDEN', `a ${token.role} token may not do this (needs ${roles.join(' or ')})`);
    request.caller = { name: token.name, role: token.role, scopes: token.role === 'admin' ? [] : (token.scopes ?? DEFAULT_PRODUCER_SCOPES) };
  };
}

/**
 * A fastify preHandler that admits an admin token, or a producer token with `scope`; any other known
 * token gets 403 naming the scope it lacks.
 */
export function requireScope(tokens: readonly ApiToken[], scope: Scope) {
  const authenticate = requireToken(tokens, ['producer', 'admin']);
  return async (request: FastifyRequest): Promise<void> => {
    await authenticate(request);
    if (!callerHasScope(request.caller, scope)) throw new HttpError('NOTIFY_ERR_FORBIDDEN', `token "${request.caller!.name}" lacks the scope ${scope} (add it after the secret in INTAKE_TOKENS: name:secret:${scope})`);
  };
}

/** The zod schema of a token-list setting: comma-separated name:secret pairs (name:secret:scopes for producers), validated at start-up. */
export function tokenListSchema(role: TokenRole): z.ZodType<ApiToken[]> {
  return z.string().transform((value, ctx) => {
    try {
      const tokens = parseTokens(value.split(',').map((s) => s.trim()).filter(Boolean), role);
      if (tokens.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one name:secret token' });
      return tokens;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}
