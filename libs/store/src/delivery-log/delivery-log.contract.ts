import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import { InvalidCursorError } from './delivery-log-cursor';

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

  deliveryLogPagingContract(fixture);
}

export function deliveryLogByUserContract(fixture: StoreFixture): void {
  it('finds a user’s notifications, newest first, each with its latest step', async () => {
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
    const all = await deliveryLog.userNotifications('dana', { limit: 10 });
    expect(all.items.map((n) => [n.notificationId, n.status])).toEqual([['e3:dana', 'suppressed'], ['e2:dana', 'routed'], ['e1:dana', 'read']]);
    expect(all.items[2]).toMatchObject({ eventId: 'e1', firstAt: at(1), at: at(6) });
    expect(all.next).toBeNull();
    expect(await deliveryLog.userNotifications('nobody', { limit: 5 })).toEqual({ items: [], next: null });
  });

  it('pages a user’s notifications with no one skipped or repeated while steps and notifications are added', async () => {
    const { deliveryLog } = fixture.store();
    const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 9, 0, s));
    // Two notifications share a first instant: the id orders them.
    const first = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'].map((id, i) => ({ eventId: `e-${id}`, notificationId: id, userId: 'finn', status: 'routed' as const, service: 'router', at: at(id === 'n4' ? 3 : i + 1) }));
    await deliveryLog.appendMany(first);
    const seen: string[] = [];
    let page = await deliveryLog.userNotifications('finn', { limit: 3 });
    seen.push(...page.items.map((n) => n.notificationId));
    // Meanwhile: older notifications move on, and a new one arrives; the pages still read every one once.
    await deliveryLog.appendMany([
      { eventId: 'e-n2', notificationId: 'n2', userId: 'finn', status: 'delivered', service: 'gateway', at: at(30) },
      { eventId: 'e-n6', notificationId: 'n6', userId: 'finn', status: 'read', service: 'gateway', at: at(31) },
      { eventId: 'e-n8', notificationId: 'n8', userId: 'finn', status: 'routed', service: 'router', at: at(32) },
    ]);
    while (page.next) {
      page = await deliveryLog.userNotifications('finn', { limit: 3, cursor: page.next });
      seen.push(...page.items.map((n) => n.notificationId));
    }
    expect(seen).toEqual(['n7', 'n6', 'n5', 'n4', 'n3', 'n2', 'n1']);
    expect((await deliveryLog.userNotifications('finn', { limit: 1 })).items[0]?.notificationId).toBe('n8');
    await expect(deliveryLog.userNotifications('finn', { limit: 3, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('finds a notification among many steps of newer ones (more than one read of steps)', async () => {
    const { deliveryLog } = fixture.store();
    const at = (ms: number) => new Date(Date.UTC(2026, 11, 2, 10, 0, 0, ms));
    const busy = Array.from({ length: 150 }, (_, i) => ({ eventId: 'e-busy', notificationId: 'busy', userId: 'gus', status: 'sent' as const, service: 'push', at: at(100 + i) }));
    await deliveryLog.appendMany([{ eventId: 'e-old', notificationId: 'old', userId: 'gus', status: 'routed', service: 'router', at: at(1) }, { eventId: 'e-busy', notificationId: 'busy', userId: 'gus', status: 'routed', service: 'router', at: at(50) }, ...busy]);
    const page = await deliveryLog.userNotifications('gus', { limit: 1 });
    expect(page.items.map((n) => [n.notificationId, n.status])).toEqual([['busy', 'sent']]);
    const rest = await deliveryLog.userNotifications('gus', { limit: 1, cursor: page.next! });
    expect(rest).toEqual({ items: [expect.objectContaining({ notificationId: 'old', firstAt: at(1) })], next: null });
  });
}

function deliveryLogPagingContract(fixture: StoreFixture): void {
  it('pages a history oldest first, with no step skipped or repeated while new steps are written', async () => {
    const { deliveryLog } = fixture.store();
    const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 11, 0, s));
    // Steps of one instant keep their order of writing across a page boundary.
    const statuses = ['routed', 'batched', 'sent', 'delivered', 'seen'] as const;
    await deliveryLog.appendMany(statuses.map((status, i) => ({ eventId: 'e5', notificationId: 'n5', userId: 'hal', status, service: 'router', at: at(i < 3 ? 1 : i) })));
    const read: string[] = [];
    let page = await deliveryLog.historyPage({ notificationId: 'n5' }, { limit: 2 });
    read.push(...page.items.map((e) => e.status));
    await deliveryLog.append({ eventId: 'e5', notificationId: 'n5', userId: 'hal', status: 'read', service: 'gateway', at: at(20) });
    await deliveryLog.append({ eventId: 'e5', notificationId: 'n5', userId: 'hal', status: 'archived', service: 'gateway', at: at(20) });
    while (page.next) {
      page = await deliveryLog.historyPage({ notificationId: 'n5' }, { limit: 2, cursor: page.next });
      read.push(...page.items.map((e) => e.status));
    }
    expect(read).toEqual([...statuses, 'read', 'archived']);
    const byEvent = await deliveryLog.historyPage({ eventId: 'e5' }, { limit: 7 });
    expect(byEvent.items).toHaveLength(7);
    expect(byEvent.next).toBeNull();
    expect(await deliveryLog.historyPage({ eventId: 'unknown' }, { limit: 5 })).toEqual({ items: [], next: null });
    await expect(deliveryLog.historyPage({ eventId: 'e5' }, { limit: 5, cursor: Buffer.from('{"at":1}').toString('base64url') })).rejects.toBeInstanceOf(InvalidCursorError);
  });
}
