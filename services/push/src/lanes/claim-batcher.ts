import type { ClaimOutcome, IdempotencyRepository } from '@notify/store';

type Claim = { key: string; expiresAt: Date; holder: string };

interface Queued {
  scope: string;
  claims: readonly Claim[];
  resolve: (outcomes: ClaimOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Merges the `claimMany` calls of concurrent pushes into one write per scope: the done marks of a
 * slice's users, whose sends come back at about the same time, cost one insert instead of one each.
 * Flushes on the next turn of the event loop (or after `lingerMs`), or once `maxBatch` claims wait.
 * Each caller gets the outcomes of its own claims, and waits for the write like a direct call, so a
 * mark is as durable when the caller goes on. Everything else goes straight to the repository.
 */
export class ClaimBatcher implements IdempotencyRepository {
  private queued: Queued[] = [];
  private queuedClaims = 0;
  private writing = 0;
  private scheduled = false;

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly maxBatch = 500,
    private readonly lingerMs = 0,
  ) {}

  claimMany(scope: string, claims: readonly Claim[]): Promise<ClaimOutcome[]> {
    if (claims.length === 0) return Promise.resolve([]);
    const outcome = new Promise<ClaimOutcome[]>((resolve, reject) => this.queued.push({ scope, claims, resolve, reject }));
    this.queuedClaims += claims.length;
    if (this.queuedClaims >= this.maxBatch) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      if (this.lingerMs > 0) setTimeout(() => this.flush(), this.lingerMs);
      else setImmediate(() => this.flush());
    }
    return outcome;
  }

  /**
   * Claims queued or being written (for the gauge). Bounded without a cap of its own: every caller is
   * a lane handler waiting for its answer, so at most the lanes' notifications in flight are here.
   */
  get waiting(): number {
    return this.queuedClaims + this.writing;
  }

  claim(scope: string, key: string, expiresAt: Date): Promise<boolean> {
    return this.repository.claim(scope, key, expiresAt);
  }

  holderOf(scope: string, key: string): Promise<string | null> {
    return this.repository.holderOf(scope, key);
  }

  isClaimed(scope: string, key: string): Promise<boolean> {
    return this.repository.isClaimed(scope, key);
  }

  release(scope: string, key: string): Promise<void> {
    return this.repository.release(scope, key);
  }

  sweepExpired(now: Date): Promise<number> {
    return this.repository.sweepExpired(now);
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queued;
    this.queued = [];
    this.queuedClaims = 0;
    const byScope = new Map<string, Queued[]>();
    for (const q of queued) byScope.set(q.scope, [...(byScope.get(q.scope) ?? []), q]);
    for (const [scope, callers] of byScope) {
      const claims = callers.flatMap((c) => c.claims);
      this.writing += claims.length;
      this.repository
        .claimMany(scope, claims)
        .then(
          (outcomes) => {
            let at = 0;
            for (const c of callers) {
              c.resolve(outcomes.slice(at, at + c.claims.length));
              at += c.claims.length;
            }
          },
          (err: unknown) => callers.forEach((c) => c.reject(err)),
        )
        .finally(() => {
          this.writing -= claims.length;
        });
    }
  }
}
