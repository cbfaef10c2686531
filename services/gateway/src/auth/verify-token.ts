import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { DEFAULT_MAX_TOKEN_LIFETIME_S, type TokenVerification } from '../config';

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

/** Builds the verifier for the configured method: HS256 shared secret, RS256 public key, or a JWKS URL. */
export async function createTokenVerifier(method: TokenVerification, { jwksCooldownMs = 30_000 } = {}): Promise<TokenVerifier> {
  const claims = { ...(method.issuer ? { issuer: method.issuer } : {}), ...(method.audience ? { audience: method.audience } : {}), requiredClaims: ['exp'] };
  const maxLifetimeS = method.maxLifetimeS ?? DEFAULT_MAX_TOKEN_LIFETIME_S;
  switch (method.kind) {
    case 'hs256': {
      const key = new TextEncoder().encode(method.secret);
      return verifier((token) => jwtVerify(token, key, { algorithms: ['HS256'], ...claims }), maxLifetimeS);
    }
    case 'rs256': {
      const key = await importSPKI(method.publicKeyPem, 'RS256');
      return verifier((token) => jwtVerify(token, key, { algorithms: ['RS256'], ...claims }), maxLifetimeS);
    }
    case 'jwks': {
      // jose caches the key set and refetches it (at most once per cooldown) when a token names a key id it does not know: rotation.
      const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(method.url), { cooldownDuration: jwksCooldownMs, cacheMaxAge: 10 * 60_000 });
      return verifier((token) => jwtVerify(token, keys, { algorithms: ['RS256', 'ES256'], ...claims }), maxLifetimeS);
    }
  }
}

/** Kept for callers that only ever use a shared secret (tests, the embedded app). */
export function hs256Verifier(secret: string, maxLifetimeS = DEFAULT_MAX_TOKEN_LIFETIME_S): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return verifier((token) => jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] }), maxLifetimeS);
}

function verifier(verify: (token: string) => Promise<{ payload: { sub?: string; exp?: number; iat?: number } }>, maxLifetimeS: number): TokenVerifier {
  return async (token) => {
    try {
      const { payload } = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AuthenticationError('token has no subject (sub)');
      const exp = payload.exp!; // required above
      const lifetimeS = exp - (payload.iat ?? Math.floor(Date.now() / 1000));
      if (lifetimeS > maxLifetimeS) throw new AuthenticationError(`token lives ${lifetimeS} s; the gateway accepts tokens of at most ${maxLifetimeS} s`);
      return { userId: payload.sub, expiresAt: exp * 1000 };
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthenticationError('token expired');
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'exp' && err.reason === 'missing') throw new AuthenticationError('token has no expiry (exp): the gateway accepts only tokens that expire');
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
