/** "Have we done this already?" per scope (e.g. router:event, push:notification), with expiry. */
export interface IdempotencyRepository {
  /** True the first time (the caller owns the work); false while an unexpired claim exists. */
  claim(scope: string, key: string, expiresAt: Date): Promise<boolean>;
  /**
   * Claims many keys with one write. Each claim names its `holder` (say, the position of the message
   * that makes it), so the same holder asking again (a redelivery after a crash or a retry) learns
   * that the claim is its own instead of taking it for someone else's. Keys repeated in one call:
   * the first is claimed, the later ones find it held. Only taken keys cost a read (by key).
   */
  claimMany(scope: string, claims: ReadonlyArray<{ key: string; expiresAt: Date; holder: string }>): Promise<ClaimOutcome[]>;
  /** Who holds an unexpired claim made by `claimMany`, or null (say, which producer token sent an event). */
  holderOf(scope: string, key: string): Promise<string | null>;
  /** True while an unexpired claim exists (a read: deciding and claiming stay separate steps). */
  isClaimed(scope: string, key: string): Promise<boolean>;
  /** Gives a claim back, e.g. when the work failed and must be retried. */
  release(scope: string, key: string): Promise<void>;
  sweepExpired(now: Date): Promise<number>;
}

/** What became of one claim of `claimMany`: ours (new, or already held by the same holder), or someone else's. */
export type ClaimOutcome = { claimed: true; again: boolean } | { claimed: false; holder: string };
