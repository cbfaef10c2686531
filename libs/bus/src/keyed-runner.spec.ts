import { describe, expect, it } from 'vitest';
import { runKeyed, type MessageOutcome } from './keyed-runner';

interface Msg {
  offset: number;
  key: string;
}

const batch = (keys: string[]): Msg[] => keys.map((key, offset) => ({ offset, key }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a batch, recording starts, finishes and commits, with per-message delays and outcomes. */
async function record(messages: Msg[], limit: number, behaviour: (m: Msg) => { delayMs: number; outcome?: MessageOutcome | 'throw' }, mayStart: () => boolean = () => true) {
  const started: number[] = [];
  const finished: number[] = [];
  const committed: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const runningKeys = new Set<string>();
  let sameKeyOverlap = false;
  const result = runKeyed(messages, {
    keyOf: (m) => m.key,
    limit,
    mayStart,
    onCommittable: (m) => void committed.push(m.offset),
    run: async (m) => {
      if (runningKeys.has(m.key)) sameKeyOverlap = true;
      runningKeys.add(m.key);
      started.push(m.offset);
      mostAtOnce = Math.max(mostAtOnce, ++running);
      const { delayMs, outcome = 'committable' } = behaviour(m);
      await sleep(delayMs);
      running--;
      runningKeys.delete(m.key);
      finished.push(m.offset);
      if (outcome === 'throw') throw new Error(`dead-letter write failed for ${m.offset}`);
      return outcome;
    },
  });
  return { result, started, finished, committed, stats: () => ({ mostAtOnce, sameKeyOverlap }) };
}

describe('runKeyed', () => {
  it('with a limit of 1, runs strictly in order', async () => {
    const r = await record(batch(['a', 'b', 'c', 'a']), 1, () => ({ delayMs: 1 }));
    expect(await r.result).toBe('committable');
    expect(r.started).toEqual([0, 1, 2, 3]);
    expect(r.committed).toEqual([0, 1, 2, 3]);
    expect(r.stats().mostAtOnce).toBe(1);
  });

  it('overlaps different keys, never two of one key, and commits in partition order', async () => {
    // Key a is slow: b and c finish first but cannot be committed past a's first message.
    const keys = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'];
    const r = await record(batch(keys), 8, (m) => ({ delayMs: m.key === 'a' ? 30 : 2 }));
    expect(await r.result).toBe('committable');
    expect(r.stats()).toEqual({ mostAtOnce: 3, sameKeyOverlap: false });
    // Per key, the start order is the offset order.
    for (const key of ['a', 'b', 'c']) {
      const ofKey = r.started.filter((o) => keys[o] === key);
      expect(ofKey).toEqual([...ofKey].sort((x, y) => x - y));
    }
    expect(r.finished.indexOf(1)).toBeLessThan(r.finished.indexOf(0));
    expect(r.committed).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps at most `limit` in flight', async () => {
    const r = await record(batch(Array.from({ length: 40 }, (_, i) => `k${i}`)), 5, () => ({ delayMs: 3 }));
    await r.result;
    expect(r.stats().mostAtOnce).toBe(5);
    expect(r.committed).toHaveLength(40);
  });

  it('after an aborted message, starts nothing new and commits nothing from it on', async () => {
    const r = await record(batch(['a', 'b', 'c', 'd', 'e', 'f']), 2, (m) => ({ delayMs: 5, outcome: m.offset === 2 ? 'aborted' : 'committable' }));
    expect(await r.result).toBe('aborted');
    expect(r.committed).toEqual([0, 1]);
    // c was in flight alongside d at most; e and f never started.
    expect(r.started).not.toContain(4);
    expect(r.started).not.toContain(5);
  });

  it('does not run a key’s later message after its earlier one was aborted', async () => {
    const r = await record(batch(['a', 'a', 'b']), 4, (m) => ({ delayMs: 5, outcome: m.offset === 0 ? 'aborted' : 'committable' }));
    expect(await r.result).toBe('aborted');
    expect(r.started).not.toContain(1);
    expect(r.committed).toEqual([]);
  });

  it('stops taking messages when told to (shutdown), committing the finished prefix', async () => {
    let open = true;
    const r = await record(batch(['a', 'b', 'c', 'd']), 1, (m) => {
      if (m.offset === 1) open = false;
      return { delayMs: 1 };
    }, () => open);
    expect(await r.result).toBe('aborted');
    expect(r.started).toEqual([0, 1]);
    expect(r.committed).toEqual([0, 1]);
  });

  it('rethrows a failure of the consume path once the messages in flight settled, committing only before it', async () => {
    const r = await record(batch(['a', 'b', 'c']), 3, (m) => ({ delayMs: m.offset === 2 ? 20 : 2, outcome: m.offset === 1 ? 'throw' : 'committable' }));
    await expect(r.result).rejects.toThrow('dead-letter write failed for 1');
    expect(r.finished).toContain(2);
    expect(r.committed).toEqual([0]);
  });

  it('ends the batch with the error when a commit step fails, committing nothing after it', async () => {
    const committed: number[] = [];
    const result = runKeyed(batch(['a', 'b', 'c', 'd']), {
      keyOf: (m) => m.key,
      limit: 1,
      mayStart: () => true,
      run: async () => {
        await sleep(2);
        return 'committable';
      },
      onCommittable: async (m) => {
        if (m.offset === 1) throw new Error('The group is rebalancing, so a rejoin is needed');
        committed.push(m.offset);
      },
    });
    await expect(result).rejects.toThrow('rebalancing');
    expect(committed).toEqual([0]);
  });
});
