import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { SendTimeProfile } from './send-time.types';

const DAY_MS = 24 * 60 * 60 * 1000;

const profile = (userId: string, hour: number, weight: number, updatedAt: Date): SendTimeProfile => ({
  userId,
  hours: Array.from({ length: 24 }, (_, h) => (h === hour ? weight : 0)),
  decayedTo: new Date(updatedAt.getTime() - 60_000),
  samples: Math.ceil(weight),
  countedSlots: [493_000, 493_024, 493_048],
  digestsDueAt: [new Date(updatedAt.getTime() - 3_600_000)],
  timeZone: 'Europe/Paris',
  updatedAt,
});

export function sendTimeContract(fixture: StoreFixture): void {
  it('has no record until one is written, then gives it back whole', async () => {
    const { sendTimes } = fixture.store();
    expect(await sendTimes.get('alice')).toBeNull();
    const now = new Date('2026-12-02T12:00:00Z');
    const alice = { ...profile('alice', 20, 4.75, now), hours: Array.from({ length: 24 }, (_, h) => h / 8) };
    await sendTimes.putMany([alice]);
    expect(await sendTimes.get('alice')).toEqual(alice);
  });

  it('replaces a record whole, and keeps users apart', async () => {
    const { sendTimes } = fixture.store();
    const now = new Date('2026-12-02T12:00:00Z');
    await sendTimes.putMany([profile('alice', 20, 3, now), profile('bob', 8, 6, now)]);
    const later = { ...profile('alice', 21, 5.5, new Date(now.getTime() + 3_600_000)), countedSlots: [493_072], digestsDueAt: [], timeZone: 'Asia/Tokyo' };
    await sendTimes.putMany([later]);
    expect(await sendTimes.get('alice')).toEqual(later);
    expect(await sendTimes.get('bob')).toEqual(profile('bob', 8, 6, now));
  });

  it('reads many users at once, leaving out those with no record', async () => {
    const { sendTimes } = fixture.store();
    const now = new Date('2026-12-02T12:00:00Z');
    await sendTimes.putMany(['u1', 'u2', 'u3'].map((userId, i) => profile(userId, i, 1 + i, now)));
    const found = await sendTimes.getMany(['u3', 'nobody', 'u1', 'u1']);
    expect([...found.keys()].sort()).toEqual(['u1', 'u3']);
    expect(found.get('u3')).toEqual(profile('u3', 2, 3, now));
    expect((await sendTimes.getMany([])).size).toBe(0);
  });

  it('a copy read is the caller’s: changing it does not change the record', async () => {
    const { sendTimes } = fixture.store();
    const now = new Date('2026-12-02T12:00:00Z');
    await sendTimes.putMany([profile('alice', 20, 3, now)]);
    const read = (await sendTimes.get('alice'))!;
    read.hours[20] = 99;
    read.countedSlots.push(1);
    expect(await sendTimes.get('alice')).toEqual(profile('alice', 20, 3, now));
  });

  it('sweeps the records not updated since the cutoff', async () => {
    const { sendTimes } = fixture.store();
    const now = new Date('2026-12-02T12:00:00Z');
    await sendTimes.putMany([profile('old', 20, 3, new Date(now.getTime() - 200 * DAY_MS)), profile('fresh', 9, 3, new Date(now.getTime() - DAY_MS))]);
    expect(await sendTimes.sweepUpdatedBefore(new Date(now.getTime() - 180 * DAY_MS))).toBe(1);
    expect(await sendTimes.get('old')).toBeNull();
    expect(await sendTimes.get('fresh')).not.toBeNull();
    expect(await sendTimes.sweepUpdatedBefore(new Date(now.getTime() - 180 * DAY_MS))).toBe(0);
  });
}
