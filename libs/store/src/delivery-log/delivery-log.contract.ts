import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';

export function deliveryLogContract(fixture: StoreFixture): void {
  it('returns a notification’s history oldest first, and an event’s across its notifications', async () => {
    const { deliveryLog } = fixture.store();
    const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, s));
    await deliveryLog.append({ eventId: 'e1', notificationId: 'n1', userId: 'alice', status: 'sent', channel: 'inapp', service: 'gateway', at: at(2) });
    await deliveryLog.append({ eventId: 'e1', notificationId: 'n1', userId: 'alice', status: 'routed', service: 'router', at: at(1) });
    await deliveryLog.append({ eventId: 'e1', notificationId: 'n2', userId: 'bob', status: 'suppressed', reason: 'opted out of offers', service: 'router', at: at(1) });
    await deliveryLog.append({ eventId: 'e1', notificationId: 'n1', userId: 'alice', status: 'read', service: 'gateway', at: at(3), detail: { device: 'ios' } });
    const trail = await deliveryLog.history({ notificationId: 'n1' });
    expect(trail.map((e) => e.status)).toEqual(['routed', 'sent', 'read']);
    expect(trail[2]).toMatchObject({ detail: { device: 'ios' }, at: at(3) });
    expect((await deliveryLog.history({ eventId: 'e1' })).map((e) => e.status)).toEqual(['routed', 'suppressed', 'sent', 'read']);
    expect(await deliveryLog.sweepOlderThan(at(2))).toBe(2);
    expect((await deliveryLog.history({ eventId: 'e1' })).map((e) => e.status)).toEqual(['sent', 'read']);
  });

  it('keeps the order of writing for entries of the same instant', async () => {
    const { deliveryLog } = fixture.store();
    const at = new Date('2026-11-25T10:00:00Z');
    const statuses = ['routed', 'sent', 'delivered', 'seen', 'read'] as const;
    for (const status of statuses) await deliveryLog.append({ eventId: 'e9', notificationId: 'n9', status, service: 'gateway', at });
    expect((await deliveryLog.history({ notificationId: 'n9' })).map((e) => e.status)).toEqual([...statuses]);
    expect(await deliveryLog.history({ notificationId: 'unknown' })).toEqual([]);
  });

  it('appends a batch with one write, in the order given', async () => {
    const { deliveryLog } = fixture.store();
    const at = new Date('2026-11-25T11:00:00Z');
    const statuses = ['routed', 'sent', 'delivered', 'seen', 'read', 'archived'] as const;
    await deliveryLog.appendMany(statuses.map((status) => ({ eventId: 'e7', notificationId: 'n7', userId: 'carol', status, service: 'gateway', at })));
    await deliveryLog.appendMany([]);
    expect((await deliveryLog.history({ notificationId: 'n7' })).map((e) => e.status)).toEqual([...statuses]);
    expect((await deliveryLog.history({ eventId: 'e7' }))[0]).toMatchObject({ userId: 'carol', service: 'gateway', at });
  });
}

export function deliveryLogByUserContract(fixture: StoreFixture): void {
  it('finds a user’s most recent notifications, newest first, each with its latest step', async () => {
    const { deliveryLog } = fixture.store();
    const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, s));
    await deliveryLog.appendMany([
      { eventId: 'e1', notificationId: 'e1:dana', userId: 'dana', status: 'routed', service: 'router', at: at(1) },
      { eventId: 'e2', notificationId: 'e2:dana', userId: 'dana', status: 'routed', service: 'router', at: at(2) },
      { eventId: 'e1', notificationId: 'e1:dana', userId: 'dana', status: 'delivered', channel: 'inapp', service: 'gateway', at: at(3) },
      { eventId: 'e3', notificationId: 'e3:dana', userId: 'dana', status: 'suppressed', reason: 'opted out', service: 'router', at: at(4) },
      { eventId: 'e3', notificationId: 'e3:eli', userId: 'eli', status: 'routed', service: 'router', at: at(5) },
      { eventId: 'e1', notificationId: 'e1:dana', userId: 'dana', status: 'read', channel: 'inapp', service: 'gateway', at: at(6) },
    ]);
    const recent = await deliveryLog.recentForUser('dana', 10);
    expect(recent.map((n) => [n.notificationId, n.status])).toEqual([['e1:dana', 'read'], ['e3:dana', 'suppressed'], ['e2:dana', 'routed']]);
    expect(recent[0]).toMatchObject({ eventId: 'e1', firstAt: at(1), at: at(6) });
    expect((await deliveryLog.recentForUser('dana', 2)).map((n) => n.notificationId)).toEqual(['e1:dana', 'e3:dana']);
    expect(await deliveryLog.recentForUser('nobody', 5)).toEqual([]);
  });
}
