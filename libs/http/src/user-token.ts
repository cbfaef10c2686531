import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConfigError, env, setting, type ConfigOf } from '@notify/config';
import { HttpError } from './errors';

/**
 * Users' own tokens: the JWT an app presents for its signed-in user (issued by the product's identity
 * provider), checked the same way by every service that admits one (the gateway's socket and inbox,
 * the push service's /v1/me routes).
 */

/** A day: a client renews its token at least that often (the SDK takes a function that fetches one). */
export const DEFAULT_MAX_TOKEN_LIFETIME_S = 86_400;
/** Twenty days: a socket's expiry is one timer, and a timer holds at most 24.8 days. */
const MAX_TOKEN_LIFETIME_S = 20 * 86_400;

const optional = <T extends z.ZodType>(schema: T) => schema.optional();

/** How a user's JWT is checked: one of the first three is set (a service that requires one says so at start-up). */
export const tokenVerificationSettings = {
  jwtSecret: setting('JWT_SECRET', optional(z.string().min(32, 'must be at least 32 characters (HS256 shared secret)')), 'HS256 secret that verifies the JWT a client presents (its `sub` is the user id); or set JWT_PUBLIC_KEY or JWT_JWKS_URL', { secret: true }),
  jwtPublicKey: setting('JWT_PUBLIC_KEY', optional(z.string().includes('BEGIN PUBLIC KEY', { message: 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)' })), 'RS256 public key (PEM, SPKI) that verifies client JWTs, when your identity provider signs them'),
  jwtJwksUrl: setting('JWT_JWKS_URL', optional(z.url({ message: 'must be a URL' })), "URL of your identity provider's JWKS (RS256/ES256 keys, fetched and cached, rotated keys picked up)"),
  jwtIssuer: setting('JWT_ISSUER', env.optionalString(), 'When set, client JWTs must carry this `iss`'),
  jwtAudience: setting('JWT_AUDIENCE', env.optionalString(), 'When set, client JWTs must carry this `aud`'),
  jwtMaxLifetimeS: setting('JWT_MAX_LIFETIME_S', z.coerce.number().int('must be a whole number').min(60, 'must be at least 60').max(MAX_TOKEN_LIFETIME_S, `must be at most ${MAX_TOKEN_LIFETIME_S} (20 days)`).default(DEFAULT_MAX_TOKEN_LIFETIME_S), 'Client JWTs must carry `exp`, and live at most this long (exp − iat, or exp − now without iat); a socket is closed when its token expires'),
};

/** What every method checks beyond the signature. */
interface TokenClaims {
  issuer?: string;
  audience?: string;
  /** Longest accepted lifetime, in seconds. */
  maxLifetimeS?: number;
}

export type TokenVerification = TokenClaims & ({ kind: 'hs256'; secret: string } | { kind: 'rs256'; publicKeyPem: string } | { kind: 'jwks'; url: string });

const METHOD_NAMES = 'JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL';

/** Picks the verification method; none or several is a configuration error naming the settings. */
export function tokenVerificationOf(config: ConfigOf<typeof tokenVerificationSettings>): TokenVerification {
  const chosen = optionalTokenVerificationOf(config);
  if (!chosen) throw new ConfigError([{ variable: 'JWT_SECRET', message: `required but not set (set one of ${METHOD_NAMES})` }]);
  return chosen;
}

/** The verification method when one is configured, undefined when none is; several is a configuration error. */
export function optionalTokenVerificationOf(config: ConfigOf<typeof tokenVerificationSettings>): TokenVerification | undefined {
  const claims = { ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}), ...(config.jwtAudience ? { audience: config.jwtAudience } : {}), maxLifetimeS: config.jwtMaxLifetimeS };
  const chosen = [
    config.jwtSecret !== undefined && ({ kind: 'hs256', secret: config.jwtSecret, ...claims } as const),
    config.jwtPublicKey !== undefined && ({ kind: 'rs256', publicKeyPem: config.jwtPublicKey, ...claims } as const),
    config.jwtJwksUrl !== undefined && ({ kind: 'jwks', url: config.jwtJwksUrl, ...claims } as const),
  ].filter((c) => c !== false);
  if (chosen.length > 1) throw new ConfigError([{ variable: 'JWT_SECRET', message: `set only one of ${METHOD_NAMES}` }]);
  return chosen[0];
}

/** Who a valid token names (its `sub`) and until when it is valid (its `exp`, in epoch ms). */
export interface VerifiedToken {
  userId: string;
  expiresAt: number;
}

/** Returns who a valid token is for and when it expires, or throws an AuthenticationError. */
export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** Why a client was refused, in words the client developer can act on. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface VerifierOptions {
  /** How long a JWKS is not refetched for an unknown key id (default 30 s). */
  jwksCooldownMs?: number;
  /** Who is refusing, in the refusal's words (default "this service"). */
  acceptedBy?: string;
}

/**
 * Builds the verifier for the configured method: HS256 shared secret, RS256 public key, or a JWKS URL.
 * @example const verify = await createTokenVerifier(tokenVerificationOf(config)); const { userId } = await verify(jwt);
 */
export async function createTokenVerifier(method: TokenVerification, { jwksCooldownMs = 30_000, acceptedBy = 'this service' }: VerifierOptions = {}): Promise<TokenVerifier> {
  const claims = { ...(method.issuer ? { issuer: method.issuer } : {}), ...(method.audience ? { audience: method.audience } : {}), requiredClaims: ['exp'] };
  const limits = { maxLifetimeS: method.maxLifetimeS ?? DEFAULT_MAX_TOKEN_LIFETIME_S, acceptedBy };
  switch (method.kind) {
    case 'hs256': {
      const key = new TextEncoder().encode(method.secret);
      return verifier((token) => jwtVerify(token, key, { algorithms: ['HS256'], ...claims }), limits);
    }
    case 'rs256': {
      const key = await importSPKI(method.publicKeyPem, 'RS256');
      return verifier((token) => jwtVerify(token, key, { algorithms: ['RS256'], ...claims }), limits);
    }
    case 'jwks': {
      // jose caches the key set and refetches it (at most once per cooldown) when a token names a key id it does not know: rotation.
      const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(method.url), { cooldownDuration: jwksCooldownMs, cacheMaxAge: 10 * 60_000 });
      return verifier((token) => jwtVerify(token, keys, { algorithms: ['RS256', 'ES256'], ...claims }), limits);
    }
  }
}

/** For callers that only ever use a shared secret (tests, the embedded app). */
export function hs256Verifier(secret: string, maxLifetimeS = DEFAULT_MAX_TOKEN_LIFETIME_S, acceptedBy = 'this service'): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return verifier((token) => jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] }), { maxLifetimeS, acceptedBy });
}

function verifier(verify: (token: string) => Promise<{ payload: { sub?: string; exp?: number; iat?: number } }>, { maxLifetimeS, acceptedBy }: { maxLifetimeS: number; acceptedBy: string }): TokenVerifier {
  return async (token) => {
    try {
      const { payload } = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AuthenticationError('token has no subject (sub)');
      const exp = payload.exp!; // required above
      const lifetimeS = exp - (payload.iat ?? Math.floor(Date.now() / 1000));
      if (lifetimeS > maxLifetimeS) throw new AuthenticationError(`token lives ${lifetimeS} s; ${acceptedBy} accepts tokens of at most ${maxLifetimeS} s`);
      return { userId: payload.sub, expiresAt: exp * 1000 };
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthenticationError('token expired');
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'exp' && err.reason === 'missing') throw new AuthenticationError(`token has no expiry (exp): ${acceptedBy} accepts only tokens that expire`);
      if (err instanceof errors.JWSSignatureVerificationFailed) throw new AuthenticationError('bad token signature');
      if (err instanceof errors.JWKSNoMatchingKey) throw new AuthenticationError('no key in the JWKS matches the token');
      if (err instanceof errors.JWTClaimValidationFailed) throw new AuthenticationError(`token claim "${err.claim}" is not accepted`);
      throw new AuthenticationError(`invalid token: ${(err as Error).message}`);
    }
  };
}

/** The token a client presented: socket.io `auth.token`, an `Authorization: Bearer` header, or `?access_token=` (EventSource cannot set headers). */
export function bearerToken(sources: { auth?: unknown; authorization?: string | undefined; query?: unknown }): string | undefined {
  const fromAuth = (sources.auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return fromAuth;
  if (sources.authorization?.startsWith('Bearer ')) return sources.authorization.slice(7);
  const fromQuery = (sources.query as { access_token?: unknown } | undefined)?.access_token;
  return typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once a route's user-token check passed: the signed-in user the request acts for. */
    user?: VerifiedToken;
  }
}

/**
 * A fastify preHandler that admits a user's own JWT (`Authorization: Bearer <jwt>`) and sets
 * `request.user`; a missing or refused token is a 401 saying why.
 * @example app.get('/v1/me/things', { preHandler: requireUser(verify) }, (request) => list(request.user!.userId));
 */
export function requireUser(verify: TokenVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken({ authorization: request.headers.authorization });
    if (!token) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', 'send the user’s token as "Authorization: Bearer <jwt>"');
    try {
      request.user = await verify(token);
    } catch (err) {
      if (err instanceof AuthenticationError) throw new HttpError('NOTIFY_ERR_UNAUTHENTICATED', err.message);
      throw err;
    }
  };
}
