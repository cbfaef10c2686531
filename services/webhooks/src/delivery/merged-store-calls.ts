import DataLoader from 'dataloader';
import type { WebhookAttempt, WebhookAttemptResult, WebhookDelivery, WebhookRepository } from '@notify/store';

/**
 * The dispatcher's calls to the store, merged: the sends one pass starts take their leases in one
 * write and read their deliveries in one query, and the sends whose answers arrive together record
 * their outcomes in one write and give their leases back in another. Calls are merged until the
 * event loop has handled the I/O already waiting (`setImmediate`); each caller still gets its own
 * answer once the write it was part of is done.
 */
export class MergedStoreCalls {
  private readonly leases: DataLoader<string, Date | null>;
  private readonly reads: DataLoader<string, WebhookDelivery | null>;
  private readonly outcomes: DataLoader<WebhookAttempt, void>;
  private readonly releases: DataLoader<{ key: string; until: Date }, void>;

  constructor(webhooks: WebhookRepository, holder: string, leaseMs: number, now: () => Date, maxBatchSize = 500) {
    const options = { cache: false, maxBatchSize, batchScheduleFn: (dispatch: () => void) => setImmediate(dispatch) };
    this.leases = new DataLoader(async (keys) => {
      const at = now();
      const until = new Date(at.getTime() + leaseMs);
      const leased = await webhooks.lease(keys, holder, at, until);
      return keys.map((key) => (leased.has(key) ? until : null));
    }, options);
    this.reads = new DataLoader(async (ids) => {
      const found = new Map((await webhooks.getDeliveries(ids)).map((d) => [d.id, d]));
      return ids.map((id) => found.get(id) ?? null);
    }, options);
    this.outcomes = new DataLoader(async (attempts) => {
      await webhooks.recordAttempts(attempts);
      return attempts.map(() => undefined);
    }, options);
    this.releases = new DataLoader(async (leases) => {
      await webhooks.release(leases, holder);
      return leases.map(() => undefined);
    }, options);
  }

  /** Takes the lease on a delivery (or batch) id for this instance: until when, or null when another holds it. */
  lease(key: string): Promise<Date | null> {
    return this.leases.load(key);
  }

  getDelivery(id: string): Promise<WebhookDelivery | null> {
    return this.reads.load(id);
  }

  recordAttempt(ids: readonly string[], result: WebhookAttemptResult): Promise<void> {
    return this.outcomes.load({ ids, result });
  }

  /** Gives back the lease taken until `until` (not one renewed or taken again since). */
  release(key: string, until: Date): Promise<void> {
    return this.releases.load({ key, until });
  }
}
