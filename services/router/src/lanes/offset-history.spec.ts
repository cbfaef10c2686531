import { describe, expect, it } from 'vitest';
import type { TopicPositions } from '@notify/bus';
import { OffsetHistory, lagOf } from './offset-history';

const sample = (at: number, positions: Record<string, TopicPositions>) => ({ at, topics: new Map(Object.entries(positions)) });

describe('lagOf', () => {
  it('sums, per partition, what was written past the committed position', () => {
    expect(lagOf([10, 20, 5], [10, 15, 0])).toBe(10);
  });
  it('counts a partition the group has not committed in yet as unread, and never goes negative', () => {
    expect(lagOf([10, 20], [null, 25])).toBe(10);
  });
  it('is null for a group that has committed nothing in a topic holding messages (a process’s own view), 0 on an empty topic', () => {
    expect(lagOf([10, 20], [null, null])).toBeNull();
    expect(lagOf([0, 0], [null, null])).toBe(0);
  });
});

describe('OffsetHistory', () => {
  const topic = (ends: number[], committed: Array<number | null>, members = 1): TopicPositions => ({ ends, groups: [{ groupId: 'router', members, committed }] });

  it('measures messages written and committed per second between the latest sample and the oldest within the window', () => {
    const history = new OffsetHistory(300_000);
    history.add(sample(0, { t: topic([0, 0], [0, 0]) }));
    history.add(sample(10_000, { t: topic([100, 100], [50, 50]) }));
    history.add(sample(20_000, { t: topic([300, 300], [250, 250]) }));
    expect(history.writtenPerSec('t', 60_000)).toBe(30);
    expect(history.consumedPerSec('t', 'router', 60_000)).toBe(25);
    // A shorter window starts from the sample 10 s back.
    expect(history.writtenPerSec('t', 10_000)).toBe(40);
  });

  it('has no rate from a single sample, for an unknown topic or group, or for a group that commits nothing', () => {
    const history = new OffsetHistory(300_000);
    history.add(sample(0, { t: topic([5], [null]) }));
    expect(history.writtenPerSec('t', 60_000)).toBeNull();
    history.add(sample(1000, { t: topic([9], [null]) }));
    expect(history.writtenPerSec('t', 60_000)).toBe(4);
    expect(history.writtenPerSec('other', 60_000)).toBeNull();
    expect(history.consumedPerSec('t', 'router', 60_000)).toBeNull();
    expect(history.consumedPerSec('t', 'nobody', 60_000)).toBeNull();
  });

  it('counts a group’s first commits in a partition from 0', () => {
    const history = new OffsetHistory(300_000);
    history.add(sample(0, { t: topic([40, 40], [null, null]) }));
    history.add(sample(2000, { t: topic([40, 40], [40, null]) }));
    expect(history.consumedPerSec('t', 'router', 60_000)).toBe(20);
  });

  it('counts a group new within the window from 0', () => {
    const history = new OffsetHistory(300_000);
    history.add(sample(0, { t: { ends: [40], groups: [] } }));
    history.add(sample(4000, { t: topic([40], [40]) }));
    expect(history.consumedPerSec('t', 'router', 60_000)).toBe(10);
  });

  it('never reports a negative rate (a topic recreated, a group reset)', () => {
    const history = new OffsetHistory(300_000);
    history.add(sample(0, { t: topic([500], [500]) }));
    history.add(sample(1000, { t: topic([0], [0]) }));
    expect(history.writtenPerSec('t', 60_000)).toBe(0);
    expect(history.consumedPerSec('t', 'router', 60_000)).toBe(0);
  });

  it('keeps only the samples of the last keepMs, and at most maxSamples', () => {
    const byAge = new OffsetHistory(10_000);
    for (let at = 0; at <= 60_000; at += 1000) byAge.add(sample(at, { t: topic([at], [at]) }));
    expect(byAge.size).toBe(11);
    const byCount = new OffsetHistory(1_000_000, 5);
    for (let at = 0; at <= 60_000; at += 1000) byCount.add(sample(at, { t: topic([at], [at]) }));
    expect(byCount.size).toBe(5);
    expect(byCount.latest()?.at).toBe(60_000);
  });
});
