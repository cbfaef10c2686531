import { createTokenVerifier as createUserTokenVerifier, DEFAULT_MAX_TOKEN_LIFETIME_S, hs256Verifier as userTokenHs256Verifier, type TokenVerification, type TokenVerifier } from '@notify/http';

// Users' tokens are checked by one library (the push service's /v1/me routes use it too); the gateway names itself in refusals.
export { AuthenticationError, bearerToken, type TokenVerifier, type VerifiedToken } from '@notify/http';

const acceptedBy = 'the gateway';

/** Builds the verifier for the configured method: HS256 shared secret, RS256 public key, or a JWKS URL. */
export function createTokenVerifier(method: TokenVerification, { jwksCooldownMs = 30_000 } = {}): Promise<TokenVerifier> {
  return createUserTokenVerifier(method, { jwksCooldownMs, acceptedBy });
}

/** Kept for callers that only ever use a shared secret (tests, the embedded app). */
export function hs256Verifier(secret: string, maxLifetimeS = DEFAULT_MAX_TOKEN_LIFETIME_S): TokenVerifier {
  return userTokenHs256Verifier(secret, maxLifetimeS, acceptedBy);
}
