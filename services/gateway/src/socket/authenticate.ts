import { errors, jwtVerify } from 'jose';

export type TokenVerifier = (token: string) => Promise<string>;

/** Why a handshake was refused, in words the client developer can act on. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** Verifies an HS256 JWT and returns its subject, the user id the socket will belong to. */
export function hs256Verifier(secret: string): TokenVerifier {
  const key = new TextEncoder().encode(secret);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AuthenticationError('token has no subject (sub)');
      return payload.sub;
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthenticationError('token expired');
      if (err instanceof errors.JWSSignatureVerificationFailed) throw new AuthenticationError('bad token signature');
      throw new AuthenticationError(`invalid token: ${(err as Error).message}`);
    }
  };
}
