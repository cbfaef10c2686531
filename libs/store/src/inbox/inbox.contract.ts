import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { NewInboxItem } from './inbox.types';

export function inboxContract(fixture: StoreFixture): void {
  const item = (n: number, userId = 'alice', extra: Partial<NewInboxItem> = {}): NewInboxItem => ({
    notificationId: `${userId}-n${n}`,
    userId,
    eventId: `e${n}`,
    type: 'chat.message',
    priority: 'transactional',
    content: { title: `hello ${n}`, data: { n } },
    createdAt: new Date(Date.UTC(2026, 10, 25, 10, 0, n)),
    ...extra,
  });

  it('stores a redelivered notification once', async () => {
    const { inbox } = fixture.store();
    const first = await inbox.append(item(1));
    const again = await inbox.append(item(1));
    expect(first.created).toBe(true);
    expect(again).toEqual({ item: first.item, created: false });
    expect(await inbox.unreadCount('alice')).toBe(1);
  });

  it('numbers each user’s items with a strictly increasing cursor, and catches up after one in order', async () => {
    const { inbox } = fixture.store();
    const seqs: number[] = [];
    for (let n = 1; n <= 6; n++) seqs.push((await inbox.append(item(n))).item.seq);
    await inbox.append(item(1, 'bob'));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(6);
    const missed = await inbox.listAfter('alice', seqs[2]!, 100);
    expect(missed.map((i) => i.notificationId)).toEqual(['alice-n4', 'alice-n5', 'alice-n6']);
    expect(await inbox.listAfter('alice', seqs[5]!, 100)).toEqual([]);
    expect((await inbox.listAfter('alice', 0, 2)).map((i) => i.eventId)).toEqual(['e1', 'e2']);
  });

  it('gives concurrent appends for one user distinct cursors and loses none', async () => {
    const { inbox } = fixture.store();
    const results = await Promise.all(Array.from({ length: 15 }, (_, n) => inbox.append(item(n + 1))));
    expect(new Set(results.map((r) => r.item.seq)).size).toBe(15);
    expect(await inbox.listAfter('alice', 0, 100)).toHaveLength(15);
  });

  it('moves states forward only, with timestamps', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1));
    expect(await inbox.setState('alice', 'alice-n1', 'read')).toMatchObject({ state: 'read', readAt: expect.any(Date) });
    const late = await inbox.setState('alice', 'alice-n1', 'delivered');
    expect(late?.state).toBe('read');
    expect(late?.deliveredAt).toBeUndefined();
    expect((await inbox.setState('alice', 'alice-n1', 'archived'))?.state).toBe('archived');
  });

  it('keeps users apart: another user’s notification cannot be read or changed', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1));
    expect(await inbox.get('mallory', 'alice-n1')).toBeNull();
    expect(await inbox.setState('mallory', 'alice-n1', 'read')).toBeNull();
    expect((await inbox.get('alice', 'alice-n1'))?.state).toBe('sent');
    expect((await inbox.page('mallory', { limit: 10 })).items).toEqual([]);
  });

  it('counts unread, marks all read', async () => {
    const { inbox } = fixture.store();
    for (let n = 1; n <= 4; n++) await inbox.append(item(n));
    await inbox.setState('alice', 'alice-n2', 'read');
    await inbox.setState('alice', 'alice-n3', 'archived');
    expect(await inbox.unreadCount('alice')).toBe(2);
    expect(await inbox.markAllRead('alice')).toBe(2);
    expect(await inbox.unreadCount('alice')).toBe(0);
    expect((await inbox.get('alice', 'alice-n3'))?.state).toBe('archived');
  });

  it('pages newest first with filters and a cursor', async () => {
    const { inbox } = fixture.store();
    for (let n = 1; n <= 5; n++) await inbox.append(item(n, 'alice', { category: n % 2 ? 'offers' : 'chat' }));
    await inbox.setState('alice', 'alice-n5', 'archived');
    await inbox.setState('alice', 'alice-n3', 'read');
    const first = await inbox.page('alice', { limit: 2 });
    expect(first.items.map((i) => i.eventId)).toEqual(['e4', 'e3']);
    const second = await inbox.page('alice', { limit: 2, before: first.nextCursor! });
    expect(second.items.map((i) => i.eventId)).toEqual(['e2', 'e1']);
    expect(second.nextCursor).toBeNull();
    expect((await inbox.page('alice', { limit: 10, unreadOnly: true })).items.map((i) => i.eventId)).toEqual(['e4', 'e2', 'e1']);
    expect((await inbox.page('alice', { limit: 10, category: 'offers' })).items.map((i) => i.eventId)).toEqual(['e3', 'e1']);
    expect((await inbox.page('alice', { limit: 10, includeArchived: true })).items).toHaveLength(5);
  });

  it('sweeps expired items', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1, 'alice', { expiresAt: new Date('2026-01-01T00:00:00Z') }));
    await inbox.append(item(2, 'alice', { expiresAt: new Date('2030-01-01T00:00:00Z') }));
    await inbox.append(item(3));
    expect(await inbox.sweepExpired(new Date('2027-01-01T00:00:00Z'))).toBe(1);
    expect((await inbox.page('alice', { limit: 10 })).items.map((i) => i.eventId)).toEqual(['e3', 'e2']);
  });
}
