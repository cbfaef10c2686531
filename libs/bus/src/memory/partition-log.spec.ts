import { describe, expect, it } from 'vitest';
import { PartitionLog } from './partition-log';

const record = (key: string | null, timestamp = 0) => ({ key, value: Buffer.from(key ?? ''), headers: {}, timestamp });

describe('PartitionLog', () => {
  it('drops what every reader has committed, in chunks, keeping offsets; a reader behind the start gets the first record held', () => {
    const log = new PartitionLog();
    const positions = { fast: 0, slow: 0 };
    log.addReader(() => positions.fast);
    const removeSlow = log.addReader(() => positions.slow);
    for (let i = 0; i < 1000; i++) log.append(record(`k${i}`));
    positions.fast = 1000;
    positions.slow = 300;
    log.released();
    expect(log.size).toBe(700);
    expect(log.start).toBe(300);
    positions.slow = 400; // fewer than a chunk more: kept until there is a chunk to drop
    log.released();
    expect(log.size).toBe(700);
    removeSlow();
    log.released();
    expect(log.size).toBe(0);
    expect([log.start, log.end]).toEqual([1000, 1000]);
    log.append(record('next'));
    expect(log.read(0, 10).map((r) => r.offset)).toEqual([1000]);
  });

  it('keeps everything while a reader has not committed, and everything when no one reads', () => {
    const log = new PartitionLog();
    for (let i = 0; i < 600; i++) log.append(record('k'));
    log.released();
    expect(log.size).toBe(600);
    log.addReader(() => 0);
    log.released();
    expect(log.size).toBe(600);
  });

  it('compacted: keeps the latest record per key (and every keyless one), whatever the readers committed', () => {
    const log = new PartitionLog({ compact: true });
    log.addReader(() => log.end);
    for (let i = 0; i < 5000; i++) log.append(record(`user-${i % 10}`));
    log.released();
    expect(log.size).toBeLessThanOrEqual(10 + 1024);
    const all = log.read(0, 10_000);
    const latest = new Map(all.map((r) => [r.key, r.offset]));
    expect([...latest.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 4990 + i));
    expect(all.map((r) => r.offset)).toEqual([...all.map((r) => r.offset)].sort((a, b) => a - b));
  });

  it('drops records past the topic’s retention even if unread, keeping the newest', () => {
    let now = 0;
    const log = new PartitionLog({ retentionMs: 1000, now: () => now });
    log.addReader(() => 0);
    for (let i = 0; i < 10; i++) log.append(record('k', i * 100));
    now = 2000;
    log.append(record('k', 1500));
    expect(log.read(0, 100).map((r) => r.offset)).toEqual([10]);
  });
});
