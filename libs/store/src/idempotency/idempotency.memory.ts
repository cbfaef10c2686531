import type { IdempotencyRepository } from './idempotency.types';

export class MemoryIdempotencyRepository implements IdempotencyRepository {
  private readonly claims = new Map<string, Date>();

  async claim(scope: string, key: string, expiresAt: Date): Promise<boolean> {
    const id = `${scope}\u0000${key}`;
    const existing = this.claims.get(id);
    if (existing && existing > new Date()) return false;
    this.claims.set(id, expiresAt);
    return true;
  }

  async isClaimed(scope: string, key: string): Promise<boolean> {
    const expiresAt = this.claims.get(`${scope}\u0000${key}`);
    return expiresAt !== undefined && expiresAt > new Date();
  }

  async release(scope: string, key: string): Promise<void> {
    this.claims.delete(`${scope}\u0000${key}`);
  }

  async sweepExpired(now: Date): Promise<number> {
    let removed = 0;
    for (const [id, expiresAt] of this.claims) {
      if (expiresAt <= now) {
        this.claims.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
