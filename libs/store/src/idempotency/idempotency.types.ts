/** "Have we done this already?" per scope (e.g. router:event, push:notification), with expiry. */
export interface IdempotencyRepository {
  /** True the first time (the caller owns the work); false while an unexpired claim exists. */
  claim(scope: string, key: string, expiresAt: Date): Promise<boolean>;
  /** True while an unexpired claim exists (a read: deciding and claiming stay separate steps). */
  isClaimed(scope: string, key: string): Promise<boolean>;
  /** Gives a claim back, e.g. when the work failed and must be retried. */
  release(scope: string, key: string): Promise<void>;
  sweepExpired(now: Date): Promise<number>;
}
