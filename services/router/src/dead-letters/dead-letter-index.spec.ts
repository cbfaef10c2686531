import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '@notify/contracts';
import { DeadLetterIndex } from './dead-letter-index';

const letter = (reason: DeadLetter['reason'], failedAt: string, original = 'x'): DeadLetter => ({
  version: 1,
  reason,
  message: 'detail',
  source: { topic: 'notify.events', partition: 0, offset: '0', key: 'u1' },
  originalBase64: Buffer.from(original).toString('base64'),
  attempts: 1,
  service: 'router',
  failedAt,
});

describe('DeadLetterIndex', () => {
  it('finds letters by reason and time, newest first', () => {
    const index = new DeadLetterIndex(1024 * 1024);
    index.add(0, '0', letter('malformed_json', '2026-12-02T08:00:00.000Z'));
    index.add(0, '1', letter('unknown_type', '2026-12-02T08:01:00.000Z'));
    index.add(0, '2', letter('unknown_type', '2026-12-02T08:02:00.000Z'));
    expect(index.find({}).map((l) => l.id)).toEqual(['0:2', '0:1', '0:0']);
    expect(index.find({ reason: 'unknown_type' }).map((l) => l.id)).toEqual(['0:2', '0:1']);
    expect(index.find({ since: new Date('2026-12-02T08:01:00Z'), until: new Date('2026-12-02T08:02:00Z') }).map((l) => l.id)).toEqual(['0:1']);
    expect(index.get('0:1')?.letter.reason).toBe('unknown_type');
  });

  it('keeps within its memory budget by dropping the oldest letters, and ignores a letter read again', () => {
    const big = 'y'.repeat(3000); // about 4,000 bytes of base64 each, with the detail
    const index = new DeadLetterIndex(10_000);
    for (let offset = 0; offset < 5; offset++) index.add(0, String(offset), letter('too_large', `2026-12-02T08:0${offset}:00.000Z`, big));
    expect(index.find({}).map((l) => l.id)).toEqual(['0:4', '0:3']);
    expect(index.stats()).toMatchObject({ letters: 2, dropped: 3, oldest: '2026-12-02T08:03:00.000Z' });
    expect(index.stats().bytes).toBeLessThanOrEqual(10_000);
    index.add(0, '1', letter('too_large', '2026-12-02T08:01:00.000Z', big)); // the group rebalanced and read it again
    expect(index.get('0:1')).toBeUndefined();
  });

  it('remembers handled letters until told their action was given back', () => {
    const index = new DeadLetterIndex(1024 * 1024);
    index.add(0, '7', letter('unknown_type', '2026-12-02T08:00:00.000Z'));
    index.markHandled(['0:7', '0:99']);
    expect(index.isKnownHandled('0:7')).toBe(true);
    expect(index.isKnownHandled('0:99')).toBe(false);
    index.unmarkHandled(['0:7']);
    expect(index.isKnownHandled('0:7')).toBe(false);
  });
});
