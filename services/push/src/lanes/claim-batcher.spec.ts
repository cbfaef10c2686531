import { describe, expect, it } from 'vitest';
import { createMemoryStore, type IdempotencyRepository } from '@notify/store';
import { ClaimBatcher } from './claim-batcher';

const later = () => new Date(Date.now() + 60_000);

/** The in-memory repository, counting the claimMany writes it is asked for. */
function countingRepository(fail = false) {
  const inner = createMemoryStore().idempotency;
  const writes: Array<{ scope: string; keys: string[] }> = [];
  const repository: IdempotencyRepository = {
    claim: (...a) => inner.claim(...a),
    claimMany: async (scope, claims) => {
      writes.push({ scope, keys: claims.map((c) => c.key) });
      if (fail) throw new Error('store down');
      return inner.claimMany(scope, claims);
    },
    holderOf: (...a) => inner.holderOf(...a),
    isClaimed: (...a) => inner.isClaimed(...a),
    release: (...a) => inner.release(...a),
    sweepExpired: (...a) => inner.sweepExpired(...a),
  };
  return { repository, writes };
}

describe('ClaimBatcher', () => {
  it('writes the claims of concurrent callers at once, and answers each caller for its own', async () => {
    const { repository, writes } = countingRepository();
    await repository.claimMany('push', [{ key: 'b', expiresAt: later(), holder: 'someone-else' }]);
    writes.length = 0;
    const batcher = new ClaimBatcher(repository);
    const [first, second] = await Promise.all([
      batcher.claimMany('push', [{ key: 'a', expiresAt: later(), holder: 'h1' }]),
      batcher.claimMany('push', [
        { key: 'b', expiresAt: later(), holder: 'h2' },
        { key: 'c', expiresAt: later(), holder: 'h2' },
      ]),
    ]);
    expect(writes).toEqual([{ scope: 'push', keys: ['a', 'b', 'c'] }]);
    expect(first).toEqual([{ claimed: true, again: false }]);
    expect(second).toEqual([
      { claimed: false, holder: 'someone-else' },
      { claimed: true, again: false },
    ]);
    expect(batcher.waiting).toBe(0);
  });

  it('keeps scopes apart, and writes without waiting once maxBatch claims are queued', async () => {
    const { repository, writes } = countingRepository();
    const batcher = new ClaimBatcher(repository, 2);
    const a = batcher.claimMany('push', [{ key: 'a', expiresAt: later(), holder: 'h' }]);
    const b = batcher.claimMany('push:started', [{ key: 'b', expiresAt: later(), holder: 'h' }]);
    // Two claims queued: written before this turn of the event loop ends.
    expect(writes).toEqual([
      { scope: 'push', keys: ['a'] },
      { scope: 'push:started', keys: ['b'] },
    ]);
    await Promise.all([a, b]);
  });

  it('fails every caller of a write that failed', async () => {
    const { repository } = countingRepository(true);
    const batcher = new ClaimBatcher(repository);
    const calls = [batcher.claimMany('push', [{ key: 'a', expiresAt: later(), holder: 'h' }]), batcher.claimMany('push', [{ key: 'b', expiresAt: later(), holder: 'h' }])];
    for (const call of calls) await expect(call).rejects.toThrow('store down');
    expect(batcher.waiting).toBe(0);
  });
});
