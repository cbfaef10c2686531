import { randomUUID } from 'node:crypto';
import type { ClaimOutcome, IdempotencyRepository } from './idempotency.types';

export class MemoryIdempotencyRepository implements IdempotencyRepository {
  private readonly claims = new Map<string, { expiresAt: Date; holder: string }>();

  async claim(scope: string, key: string, expiresAt: Date): Promise<boolean> {
    return this.take(`${scope}\u0000${key}`, expiresAt, randomUUID()).claimed;
  }

  async claimMany(scope: string, claims: ReadonlyArray<{ key: string; expiresAt: Date; holder: string }>): Promise<ClaimOutcome[]> {
    return claims.map(({ key, expiresAt, holder }) => this.take(`${scope}\u0000${key}`, expiresAt, holder));
  }

  private take(id: string, expiresAt: Date, holder: string): ClaimOutcome {
    const existing = this.claims.get(id);
    if (existing && existing.expiresAt > new Date()) return existing.holder === holder ? { claimed: true, again: true } : { claimed: false, holder: existing.holder };
    this.claims.set(id, { expiresAt, holder });
    return { claimed: true, again: false };
  }

  async holderOf(scope: string, key: string): Promise<string | null> {
    const claim = this.claims.get(`${scope}\u0000${key}`);
    return claim && claim.expiresAt > new Date() ? claim.holder : null;
  }

  async isClaimed(scope: string, key: string): Promise<boolean> {
    const expiresAt = this.claims.get(`${scope}\u0000${key}`)?.expiresAt;
    return expiresAt !== undefined && expiresAt > new Date();
  }

  async release(scope: string, key: string): Promise<void> {
    this.claims.delete(`${scope}\u0000${key}`);
  }

  async sweepExpired(now: Date): Promise<number> {
    let removed = 0;
    for (const [id, { expiresAt }] of this.claims) {
      if (expiresAt <= now) {
        this.claims.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
