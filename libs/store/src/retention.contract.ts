import { expect, it } from 'vitest';
import type { NewInboxItem } from './inbox/inbox.types';
import { storeSweeps } from './retention';
import type { StoreFixture } from './store.contract';

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number, now: Date) => new Date(now.getTime() - days * DAY_MS);

/** Each collection's sweep as the services schedule it: what is past its retention goes, the rest stays. */
export function retentionContract(fixture: StoreFixture): void {
  it('idempotency: expired claims go, live ones stay claimed', async () => {
    const store = fixture.store();
    const now = new Date();
    for (let i = 0; i < 5; i++) await store.idempotency.claim('router:event', `old-${i}`, new Date(now.getTime() - 1000));
    for (let i = 0; i < 3; i++) await store.idempotency.claim('router:event', `live-${i}`, new Date(now.getTime() + DAY_MS));
    expect(await storeSweeps.idempotency(store).sweep(now)).toBe(5);
    for (let i = 0; i < 3; i++) expect(await store.idempotency.isClaimed('router:event', `live-${i}`)).toBe(true);
    expect(await store.idempotency.claim('router:event', 'live-0', new Date(now.getTime() + DAY_MS))).toBe(false);
    expect(await storeSweeps.idempotency(store).sweep(now)).toBe(0);
  });

  it('delivery log: entries older than the retention go, newer ones stay in order', async () => {
    const store = fixture.store();
    const now = new Date();
    const entry = (notificationId: string, at: Date, status: 'routed' | 'sent' | 'read') => ({ eventId: 'e1', notificationId, userId: 'alice', status, service: 'gateway', at });
    await store.deliveryLog.append(entry('old', daysAgo(31, now), 'routed'));
    await store.deliveryLog.append(entry('old', daysAgo(30.5, now), 'sent'));
    await store.deliveryLog.append(entry('mixed', daysAgo(40, now), 'routed'));
    await store.deliveryLog.append(entry('mixed', daysAgo(29, now), 'sent'));
    await store.deliveryLog.append(entry('mixed', daysAgo(1, now), 'read'));
    expect(await storeSweeps.deliveryLog(store, 30 * DAY_MS).sweep(now)).toBe(3);
    expect(await store.deliveryLog.history({ notificationId: 'old' })).toEqual([]);
    expect((await store.deliveryLog.history({ notificationId: 'mixed' })).map((e) => e.status)).toEqual(['sent', 'read']);
  });

  it('inbox: items past their expiry or the retention go, the rest stay, and a swept number is never handed out again', async () => {
    const store = fixture.store();
    const now = new Date();
    const item = (n: number, userId: string, extra: Partial<NewInboxItem> = {}): NewInboxItem => ({ notificationId: `${userId}-${n}`, userId, eventId: `e${n}`, type: 't', priority: 'normal', content: { data: { n } }, createdAt: daysAgo(1, now), ...extra });
    await store.inbox.append(item(1, 'alice', { createdAt: daysAgo(100, now) }));
    await store.inbox.append(item(2, 'alice'));
    await store.inbox.append(item(3, 'alice', { expiresAt: new Date(now.getTime() + DAY_MS) }));
    const newest = await store.inbox.append(item(4, 'alice', { expiresAt: new Date(now.getTime() - 1000) }));
    await store.inbox.append(item(1, 'bob', { createdAt: daysAgo(91, now) }));
    await store.inbox.setState('alice', 'alice-1', 'read');
    await store.inbox.setState('alice', 'alice-2', 'delivered');
    expect(await storeSweeps.inbox(store, 90 * DAY_MS).sweep(now)).toBe(3);
    expect((await store.inbox.listAfter('alice', 0, 10)).map((i) => [i.notificationId, i.state])).toEqual([
      ['alice-2', 'delivered'],
      ['alice-3', 'sent'],
    ]);
    expect(await store.inbox.listAfter('bob', 0, 10)).toEqual([]);
    expect(await store.inbox.unreadCount('alice')).toBe(2);
    const next = await store.inbox.append(item(5, 'alice'));
    expect(next.item.seq).toBeGreaterThan(newest.item.seq);
    expect((await store.inbox.append(item(2, 'bob'))).item.seq).toBeGreaterThan(1);
    expect(await storeSweeps.inbox(store, 90 * DAY_MS).sweep(now)).toBe(0);
  });

  it('digests: sent digests go once their grace is over; open, closed and recently sent ones stay', async () => {
    const { digests } = fixture.store();
    const store = fixture.store();
    const add = (userId: string, eventId: string) => digests.add({ userId, digestKey: 'offers', item: { eventId, at: new Date() }, flushAt: new Date(Date.now() + DAY_MS), maxItems: 10 });
    const sent = (await add('alice', 'e1')).bucket.bucketId;
    await add('alice', 'e2');
    await digests.close(sent);
    await digests.markSent(sent);
    const closed = (await add('bob', 'e1')).bucket.bucketId;
    await digests.close(closed);
    const open = (await add('carol', 'e1')).bucket.bucketId;
    const sweep = storeSweeps.sentDigests(store, DAY_MS);
    expect(await sweep.sweep(new Date())).toBe(0);
    const later = new Date(Date.now() + 2 * DAY_MS);
    expect(await sweep.sweep(later)).toBe(1);
    // Its items went with it: the same event now starts a new bucket.
    const again = await add('alice', 'e1');
    expect(again.added).toBe(true);
    expect(again.bucket.bucketId).not.toBe(sent);
    expect((await digests.listClosedUnsent(10)).map((b) => b.bucketId)).toEqual([closed]);
    expect((await digests.due(later, 10)).map((b) => b.bucketId).sort()).toEqual([again.bucket.bucketId, open].sort());
  });
}
