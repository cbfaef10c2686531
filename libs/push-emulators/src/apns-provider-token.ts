import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

/** How the emulator judges `authorization: bearer <jwt>`. */
export interface ProviderTokenPolicy {
  /**
   * The key that must have signed the token: an ES256 public key, or the .p8 private key
   * itself (its public half is derived). Without it the token is decoded, not verified.
   */
  key?: string | KeyObject;
  /** Expected `kid` header. */
  keyId?: string;
  /** Expected `iss` claim. */
  teamId?: string;
  /** APNs refuses tokens issued more than an hour ago. */
  maxAgeSeconds?: number;
}

export type ProviderTokenCheck =
  | { ok: true; keyId: string; teamId: string; issuedAt: number }
  | { ok: false; reason: 'MissingProviderToken' | 'InvalidProviderToken' | 'ExpiredProviderToken' };

/**
 * Checks a provider token the way APNs does: ES256, a `kid` header, `iss` and `iat` claims,
 * not older than an hour. Remembers the last good token, since clients reuse one for ~55 minutes.
 */
export class ProviderTokenVerifier {
  private readonly publicKey: KeyObject | undefined;
  private lastGood: { jwt: string; keyId: string; teamId: string; issuedAt: number } | undefined;

  constructor(private readonly policy: ProviderTokenPolicy = {}) {
    this.publicKey = policy.key === undefined ? undefined : createPublicKey(policy.key);
  }

  async check(authorization: string | undefined, now = Date.now()): Promise<ProviderTokenCheck> {
    if (!authorization) return { ok: false, reason: 'MissingProviderToken' };
    const match = /^bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) return { ok: false, reason: 'InvalidProviderToken' };
    const jwt = match[1]!;

    let claims = this.lastGood?.jwt === jwt ? this.lastGood : await this.verify(jwt);
    if (!claims) return { ok: false, reason: 'InvalidProviderToken' };
    if (now / 1000 - claims.issuedAt > (this.policy.maxAgeSeconds ?? 3600)) return { ok: false, reason: 'ExpiredProviderToken' };
    this.lastGood = claims = { ...claims, jwt };
    return { ok: true, keyId: claims.keyId, teamId: claims.teamId, issuedAt: claims.issuedAt };
  }

  private async verify(jwt: string): Promise<{ jwt: string; keyId: string; teamId: string; issuedAt: number } | undefined> {
    try {
      const header = decodeProtectedHeader(jwt);
      const payload = this.publicKey ? (await jwtVerify(jwt, this.publicKey, { algorithms: ['ES256'] })).payload : decodeJwt(jwt);
      const { kid } = header;
      const { iss, iat } = payload;
      if (header.alg !== 'ES256' || typeof kid !== 'string' || typeof iss !== 'string' || typeof iat !== 'number') return undefined;
      if (this.policy.keyId !== undefined && kid !== this.policy.keyId) return undefined;
      if (this.policy.teamId !== undefined && iss !== this.policy.teamId) return undefined;
      return { jwt, keyId: kid, teamId: iss, issuedAt: iat };
    } catch {
      return undefined;
    }
  }
}
