import { describe, expect, it } from 'vitest';
import { createMemoryStore, type StateRequest } from '@notify/store';
import { StateWriteBatcher } from './state-write-batcher';

describe('StateWriteBatcher', () => {
  const item = (n: number, userId: string) => ({ notificationId: `${userId}-n${n}`, userId, eventId: `e${n}`, type: 't', priority: 'transactional' as const, content: { title: 'x', data: {} }, createdAt: new Date() });

  it('writes the requests of one turn with one call, answering each for itself', async () => {
    const { inbox } = createMemoryStore();
    await inbox.appendMany([item(1, 'alice'), item(2, 'alice'), item(1, 'bob')]);
    const writes: StateRequest[][] = [];
    const batcher = new StateWriteBatcher({ recordStatesMany: (requests) => (writes.push([...requests]), inbox.recordStatesMany(requests)) });
    const answers = await Promise.all([batcher.recordStates('alice', ['alice-n1'], 'delivered'), batcher.recordStates('bob', ['bob-n1'], 'read'), batcher.recordStates('alice', ['alice-n1', 'alice-n2'], 'delivered'), batcher.recordStates('bob', [], 'read')]);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(3);
    expect(answers).toEqual([{ moved: ['alice-n1'], cleared: 0 }, { moved: ['bob-n1'], cleared: 1 }, { moved: ['alice-n2'], cleared: 0 }, { moved: [], cleared: 0 }]);
    // A later turn is a write of its own.
    await batcher.recordStates('alice', ['alice-n2'], 'read');
    expect(writes).toHaveLength(2);
    expect(batcher.waiting).toBe(0);
  });

  it('splits a crowded turn, and hands a failed write’s error to each of its requests', async () => {
    let calls = 0;
    const batcher = new StateWriteBatcher({ recordStatesMany: async (requests) => (++calls === 1 ? requests.map(() => ({ moved: [], cleared: 0 })) : Promise.reject(new Error('store down'))) }, 2);
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.recordStates(`u${n}`, ['x'], 'delivered')));
    expect(calls).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('store down'));
  });
});
