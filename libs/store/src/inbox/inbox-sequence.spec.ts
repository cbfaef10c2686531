import { describe, expect, it } from 'vitest';
import { InboxSequence } from './inbox-sequence';

describe('InboxSequence', () => {
  it('starts a user from the clock in microseconds, then counts on from the last number used', () => {
    let now = 1_000;
    const sequence = new InboxSequence(10, () => now);
    expect(sequence.next('alice')).toBe(1_000_000);
    sequence.taken('alice', 1_000_002);
    now = 5_000;
    expect(sequence.next('alice')).toBe(1_000_003);
    expect(sequence.next('bob')).toBe(5_000_000);
  });

  it('never goes below a number used before, whatever the order it hears of them', () => {
    const sequence = new InboxSequence(10, () => 1);
    sequence.taken('alice', 1_020);
    sequence.taken('alice', 1_010);
    expect(sequence.next('alice')).toBe(1_021);
  });

  it('moves past a number another writer took, to the clock when it is ahead', () => {
    let now = 2;
    const sequence = new InboxSequence(10, () => now);
    sequence.taken('alice', 1_500);
    sequence.conflict('alice', 1_501);
    expect(sequence.next('alice')).toBe(2_001);
    now = 1;
    sequence.conflict('alice', 9_000);
    expect(sequence.next('alice')).toBe(9_001);
  });

  it('forgets the least recently used users beyond its bound; a forgotten user starts from the clock again, above', () => {
    let now = 1;
    const sequence = new InboxSequence(2, () => now);
    sequence.taken('a', 1_000);
    sequence.taken('b', 1_000);
    sequence.taken('a', 1_001);
    sequence.taken('c', 1_000);
    expect(sequence.size).toBe(2);
    now = 3;
    expect(sequence.next('b')).toBe(3_000);
    expect(sequence.next('a')).toBe(1_002);
  });

  it('runs the work for one user one call after another, and for other users side by side', async () => {
    const sequence = new InboxSequence();
    const log: string[] = [];
    const step = (name: string, ms: number) => async () => {
      log.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name} end`);
    };
    const failing = sequence.exclusive(['alice'], async () => {
      throw new Error('boom');
    });
    await Promise.all([
      sequence.exclusive(['alice', 'bob'], step('first', 20)),
      sequence.exclusive(['carol'], step('other', 5)),
      sequence.exclusive(['bob'], step('second', 1)),
      expect(failing).rejects.toThrow('boom'),
    ]);
    expect(log.indexOf('second start')).toBeGreaterThan(log.indexOf('first end'));
    expect(log.indexOf('other start')).toBeLessThan(log.indexOf('first end'));
  });
});
