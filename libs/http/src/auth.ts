import { z } from 'zod';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';

export type TokenRole = 'admin' | 'producer';

/** A static API token: who it is (recorded as the actor of every change it makes) and what it may do. */
export interface ApiToken {
  name: string;
  role: TokenRole;
  secret: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once a route's token check passed. */
    caller?: { name: string; role: TokenRole };
  }
}

/** "name:secret" pairs, as operators write them in ADMIN_TOKENS / INTAKE_TOKENS. */
export function parseTokens(entries: readonly string[], role: TokenRole): ApiToken[] {
  return entries.map((entry) => {
    const separator = entry.indexOf(':');
    if (separator <= 0) throw new Error(`a token must be written name:secret (got one without a name)`);
    const secret = entry.slice(separator + 1);
    if (secret.length < 16) throw new Error(`the secret of token "${entry.slice(0, separator)}" is shorter than 16 characters`);
    return { name: entry.slice(0, separator), role, secret };
  });
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
    request.caller = { name: token.name, role: token.role };
  };
}

/** The zod schema of a token-list setting: comma-separated name:secret pairs, validated at start-up. */
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
