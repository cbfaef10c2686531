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
});
