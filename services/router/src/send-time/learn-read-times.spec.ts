import { describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '@notify/contracts';
import { createMemoryStore } from '@notify/store';
import { learnReadTimes } from './learn-read-times';

const status = (userId: string, notificationId: string, state: DeliveryStatus['status'], at: string): DeliveryStatus => ({ version: 1, eventId: notificationId.split(':')[0]!, notificationId, userId, status: state, service: 'gateway', at });

describe('learnReadTimes', () => {
  it('learns from read steps only, on each user’s clock, and writes only the profiles that changed', async () => {
    const { sendTimes } = createMemoryStore();
    const zones: Record<string, string> = { alice: 'Asia/Tokyo', bob: 'America/New_York' };
    const deps = { sendTimes, timeZoneOf: (userId: string) => zones[userId] ?? 'UTC' };
    const batch = [
      status('alice', 'n1:alice', 'delivered', '2026-12-01T10:00:00Z'),
      status('alice', 'n1:alice', 'read', '2026-12-01T11:10:00Z'), // 20:10 in Tokyo
      status('alice', 'n2:alice', 'read', '2026-12-01T11:40:00Z'), // the same clock hour
      status('bob', 'n3:bob', 'read', '2026-12-02T01:15:00Z'), // 20:15 in New York
      status('bob', 'n3:bob', 'seen', '2026-12-02T01:14:00Z'),
      { ...status('x', 'n4', 'read', '2026-12-02T01:15:00Z'), userId: undefined },
    ];
    expect(await learnReadTimes(deps, batch, new Date('2026-12-02T12:00:00Z'))).toEqual({ reads: 3, counted: 2, users: 2 });
    const alice = (await sendTimes.get('alice'))!;
    expect(alice).toMatchObject({ samples: 1, timeZone: 'Asia/Tokyo' });
    expect(alice.hours.findIndex((w) => w > 0)).toBe(20);
    expect((await sendTimes.get('bob'))!.hours.findIndex((w) => w > 0)).toBe(20);

    // The batch again (the consumer retried it, or the partition was replayed): nothing is counted, nothing written.
    const before = await sendTimes.get('alice');
    expect(await learnReadTimes(deps, batch, new Date('2026-12-02T13:00:00Z'))).toEqual({ reads: 3, counted: 0, users: 0 });
    expect(await sendTimes.get('alice')).toEqual(before);
  });

  it('takes the due times of digests sent at the best hour from their batched steps, and weighs the reads they prompt less', async () => {
    const { sendTimes } = createMemoryStore();
    const deps = { sendTimes, timeZoneOf: () => 'UTC' };
    const batched = (detail: Record<string, unknown>): DeliveryStatus => ({ ...status('carol', 'p1:carol', 'batched', '2026-12-01T06:00:00Z'), detail });
    const steps = [
      batched({ digestKey: 'weekly', sendAt: '2026-12-01T20:00:00.000Z', sendTime: { sendAt: '20:00', source: 'learned' } }),
      batched({ digestKey: 'plain', sendAt: '2026-12-01T09:00:00.000Z' }), // a digest at a fixed time: not the learning's doing
      status('carol', 'n1:carol', 'read', '2026-12-01T20:03:00Z'),
      status('carol', 'n2:carol', 'read', '2026-12-01T09:02:00Z'),
    ];
    expect(await learnReadTimes(deps, steps, new Date('2026-12-02T00:00:00Z'))).toEqual({ reads: 2, counted: 2, users: 1 });
    const carol = (await sendTimes.get('carol'))!;
    expect(carol.digestsDueAt).toEqual([new Date('2026-12-01T20:00:00Z')]);
    expect(carol.hours[20]).toBeCloseTo(0.25, 9);
    expect(carol.hours[9]).toBeGreaterThan(0.95);
  });
});
