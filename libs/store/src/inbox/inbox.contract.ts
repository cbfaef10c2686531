import { describe, expect, it } from 'vitest';
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

  it('answers a notification redelivered after it was read with the stored item', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1));
    await inbox.setState('alice', 'alice-n1', 'read');
    const again = await inbox.append(item(1, 'alice', { content: { title: 'changed', data: {} } }));
    expect(again.created).toBe(false);
    expect(again.item).toMatchObject({ state: 'read', content: { title: 'hello 1' } });
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

  it('never hands out a cursor twice, even after the newest item expired and was swept', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1));
    const newest = await inbox.append(item(2, 'alice', { expiresAt: new Date('2026-01-01T00:00:00Z') }));
    expect(await inbox.sweepExpired(new Date('2027-01-01T00:00:00Z'))).toBe(1);
    const next = await inbox.append(item(3));
    expect(next.item.seq).toBeGreaterThan(newest.item.seq);
    expect((await inbox.listAfter('alice', newest.item.seq, 10)).map((i) => i.eventId)).toEqual(['e3']);
  });

  it('catches up without gap or duplicate while new items keep arriving', async () => {
    const { inbox } = fixture.store();
    let writing = true;
    const writer = (async () => {
      for (let batch = 0; batch < 6; batch++) await Promise.all(Array.from({ length: 5 }, (_, i) => inbox.append(item(batch * 5 + i + 1))));
      writing = false;
    })();
    const seen: string[] = [];
    let cursor = 0;
    for (;;) {
      const done = !writing;
      const batch = await inbox.listAfter('alice', cursor, 7);
      seen.push(...batch.map((i) => i.notificationId));
      cursor = batch.at(-1)?.seq ?? cursor;
      if (done && batch.length === 0) break;
    }
    await writer;
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(Array.from({ length: 30 }, (_, n) => `alice-n${n + 1}`).sort());
  });

  it('records when each state was reached', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1));
    expect(await inbox.setState('alice', 'alice-n1', 'delivered')).toMatchObject({ state: 'delivered', deliveredAt: expect.any(Date) });
    expect(await inbox.setState('alice', 'alice-n1', 'seen')).toMatchObject({ state: 'seen', deliveredAt: expect.any(Date), seenAt: expect.any(Date) });
    const read = await inbox.setState('alice', 'alice-n1', 'read');
    expect(read).toMatchObject({ state: 'read', readAt: expect.any(Date) });
    expect(read!.archivedAt).toBeUndefined();
    expect(await inbox.get('alice', 'alice-n1')).toEqual(read);
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

  it('ends at the furthest state when state changes race', async () => {
    const { inbox } = fixture.store();
    for (let n = 1; n <= 3; n++) await inbox.append(item(n));
    await Promise.all([
      ...(['delivered', 'seen', 'archived', 'read', 'delivered', 'seen'] as const).map((s) => inbox.setState('alice', 'alice-n1', s)),
      ...(['delivered', 'read', 'seen', 'delivered', 'seen', 'delivered'] as const).map((s) => inbox.setState('alice', 'alice-n2', s)),
    ]);
    expect(await inbox.get('alice', 'alice-n1')).toMatchObject({ state: 'archived', archivedAt: expect.any(Date) });
    expect(await inbox.get('alice', 'alice-n2')).toMatchObject({ state: 'read', readAt: expect.any(Date) });
    expect(await inbox.unreadCount('alice')).toBe(1);
  });

  it('marks all read without undoing an archive that happens at the same time', async () => {
    const { inbox } = fixture.store();
    for (let n = 1; n <= 5; n++) await inbox.append(item(n));
    const [marked] = await Promise.all([inbox.markAllRead('alice'), inbox.setState('alice', 'alice-n1', 'archived'), inbox.setState('alice', 'alice-n2', 'archived')]);
    expect(marked).toBeGreaterThanOrEqual(3);
    expect(marked).toBeLessThanOrEqual(5);
    const states = await Promise.all([1, 2, 3, 4, 5].map(async (n) => (await inbox.get('alice', `alice-n${n}`))!.state));
    expect(states).toEqual(['archived', 'archived', 'read', 'read', 'read']);
    expect(await inbox.unreadCount('alice')).toBe(0);
    expect(await inbox.markAllRead('alice')).toBe(0);
  });

  it("counts several users' unread items at once, zero for a user with none", async () => {
    const { inbox } = fixture.store();
    for (let n = 1; n <= 4; n++) await inbox.append(item(n));
    for (let n = 1; n <= 2; n++) await inbox.append(item(n, 'bob'));
    await inbox.setState('alice', 'alice-n2', 'read');
    await inbox.setState('alice', 'alice-n3', 'archived');
    await inbox.setState('bob', 'bob-n1', 'seen');
    expect(await inbox.unreadCounts(['alice', 'bob', 'carol'])).toEqual(new Map([['alice', 2], ['bob', 2], ['carol', 0]]));
    expect(await inbox.unreadCounts([])).toEqual(new Map());
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

  it('stores a batch in order with one call: each user numbered in the order given, redeliveries answered with the stored item', async () => {
    const { inbox } = fixture.store();
    const earlier = await inbox.append(item(1));
    await inbox.setState('alice', 'alice-n1', 'read');
    const batch = [item(2), item(1, 'bob'), item(1), item(3), item(2, 'bob'), item(2)];
    const results = await inbox.appendMany(batch);
    expect(results.map((r) => [r.item.notificationId, r.created])).toEqual([
      ['alice-n2', true],
      ['bob-n1', true],
      ['alice-n1', false],
      ['alice-n3', true],
      ['bob-n2', true],
      ['alice-n2', false],
    ]);
    expect(results[2]!.item).toMatchObject({ seq: earlier.item.seq, state: 'read', content: { title: 'hello 1' } });
    expect(results[5]!.item.seq).toBe(results[0]!.item.seq);
    expect(results[0]!.item.seq).toBeGreaterThan(earlier.item.seq);
    expect(results[3]!.item.seq).toBeGreaterThan(results[0]!.item.seq);
    expect(results[4]!.item.seq).toBeGreaterThan(results[1]!.item.seq);
    expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n1', 'alice-n2', 'alice-n3']);
    expect((await inbox.listAfter('bob', results[1]!.item.seq, 10)).map((i) => i.notificationId)).toEqual(['bob-n2']);
    expect((await inbox.appendMany(batch)).every((r) => !r.created)).toBe(true);
    expect(await inbox.unreadCount('alice')).toBe(2);
  });

  it('tells, for a new item, which seq came just before it when it knows, and the newest seq of a user', async () => {
    const { inbox } = fixture.store();
    expect(await inbox.newestSeq('alice')).toBe(0);
    const first = await inbox.append(item(1));
    const results = await inbox.appendMany([item(2), item(1, 'bob'), item(3)]);
    const alice = (await inbox.listAfter('alice', 0, 10)).map((i) => i.seq);
    expect(results[0]!.previousSeq ?? alice[0]).toBe(alice[0]);
    expect(results[2]!.previousSeq).toBe(alice[1]);
    expect(results[1]!.previousSeq ?? 0).toBe(0);
    expect(first.previousSeq ?? 0).toBe(0);
    expect(await inbox.newestSeq('alice')).toBe(alice[2]);
    expect(await inbox.newestSeq('alice', alice[2])).toBe(alice[1]);
    expect(await inbox.newestSeq('alice', alice[0])).toBe(0);
  });

  it('keeps concurrent batches for one user in order, each number once', async () => {
    const { inbox } = fixture.store();
    const batches = await Promise.all([0, 1, 2, 3].map((b) => inbox.appendMany([1, 2, 3, 4, 5].map((n) => item(b * 5 + n)))));
    const seqs = batches.flat().map((r) => r.item.seq);
    expect(new Set(seqs).size).toBe(20);
    for (const batch of batches) expect(batch.map((r) => r.item.seq)).toEqual([...batch.map((r) => r.item.seq)].sort((a, b) => a - b));
    expect(await inbox.listAfter('alice', 0, 100)).toHaveLength(20);
  });

  it('reads several items of a user at once, never another user’s', async () => {
    const { inbox } = fixture.store();
    await inbox.appendMany([item(1), item(2), item(1, 'bob')]);
    await inbox.setState('alice', 'alice-n2', 'seen');
    const items = await inbox.getMany('alice', ['alice-n2', 'bob-n1', 'nothing', 'alice-n1', 'alice-n2']);
    expect(items.map((i) => [i.notificationId, i.state]).sort()).toEqual([
      ['alice-n1', 'sent'],
      ['alice-n2', 'seen'],
    ]);
    expect(await inbox.getMany('bob', ['alice-n1'])).toEqual([]);
  });

  it('records a state for many items with one call: what moved, and how many left the unread count', async () => {
    const { inbox } = fixture.store();
    await inbox.appendMany([1, 2, 3, 4].map((n) => item(n)));
    expect(await inbox.recordStates('alice', ['alice-n1', 'alice-n2', 'alice-n1'], 'delivered')).toEqual({ moved: ['alice-n1', 'alice-n2'], cleared: 0 });
    expect(await inbox.recordStates('alice', ['alice-n1', 'alice-n3'], 'delivered')).toEqual({ moved: ['alice-n3'], cleared: 0 });
    expect(await inbox.get('alice', 'alice-n1')).toMatchObject({ state: 'delivered', deliveredAt: expect.any(Date) });
    expect(await inbox.recordStates('alice', ['alice-n2', 'alice-n3'], 'read')).toEqual({ moved: ['alice-n2', 'alice-n3'], cleared: 2 });
    expect(await inbox.recordStates('alice', ['alice-n3', 'alice-n4'], 'archived')).toEqual({ moved: ['alice-n3', 'alice-n4'], cleared: 1 });
    expect(await inbox.unreadCount('alice')).toBe(1);
    expect((await inbox.getMany('alice', ['alice-n2', 'alice-n3', 'alice-n4'])).map((i) => i.state).sort()).toEqual(['archived', 'archived', 'read']);
  });

  it('records several users’ states with one call, each request answered for itself', async () => {
    const { inbox } = fixture.store();
    await inbox.appendMany([item(1), item(2), item(1, 'bob'), item(2, 'bob')]);
    await inbox.recordStates('bob', ['bob-n1'], 'delivered');
    const answers = await inbox.recordStatesMany([
      { userId: 'alice', notificationIds: ['alice-n1', 'alice-n2'], state: 'delivered' },
      { userId: 'bob', notificationIds: ['bob-n1', 'bob-n2'], state: 'delivered' },
      { userId: 'alice', notificationIds: ['alice-n2'], state: 'read' },
    ]);
    expect(answers).toEqual([
      { moved: ['alice-n1', 'alice-n2'], cleared: 0 },
      { moved: ['bob-n2'], cleared: 0 },
      { moved: ['alice-n2'], cleared: 1 },
    ]);
    expect(await inbox.unreadCount('alice')).toBe(1);
    expect((await inbox.getMany('bob', ['bob-n1', 'bob-n2'])).map((i) => i.state)).toEqual(['delivered', 'delivered']);
    expect(await inbox.recordStatesMany([])).toEqual([]);
  });

  it('keeps a late lower state as a fact that changes nothing', async () => {
    const { inbox } = fixture.store();
    await inbox.append(item(1));
    await inbox.recordStates('alice', ['alice-n1'], 'read');
    expect(await inbox.recordStates('alice', ['alice-n1'], 'delivered')).toEqual({ moved: ['alice-n1'], cleared: 0 });
    const now = await inbox.get('alice', 'alice-n1');
    expect(now).toMatchObject({ state: 'read', readAt: expect.any(Date) });
    expect(now!.deliveredAt).toBeUndefined();
  });

  it('says which notifications reached a state, for the push fallback', async () => {
    const { inbox } = fixture.store();
    await inbox.appendMany([1, 2, 3].map((n) => item(n)));
    await inbox.recordStates('alice', ['alice-n1'], 'delivered');
    await inbox.recordStates('alice', ['alice-n2'], 'read');
    expect([...(await inbox.reached('alice', ['alice-n1', 'alice-n2', 'alice-n3'], 'delivered'))].sort()).toEqual(['alice-n1', 'alice-n2']);
    expect([...(await inbox.reached('alice', ['alice-n1', 'alice-n2'], 'read'))]).toEqual(['alice-n2']);
    expect([...(await inbox.reached('bob', ['alice-n1'], 'delivered'))]).toEqual([]);
  });

  it('counts each item out of the unread count once when reads and archives race', async () => {
    const { inbox } = fixture.store();
    await inbox.appendMany([1, 2, 3, 4].map((n) => item(n)));
    const ids = ['alice-n1', 'alice-n2', 'alice-n3'];
    const changes = await Promise.all([inbox.recordStates('alice', ids, 'read'), inbox.recordStates('alice', ids, 'archived'), inbox.recordStates('alice', ids, 'read'), inbox.markAllRead('alice')]);
    const cleared = changes.reduce<number>((sum, c) => sum + (typeof c === 'number' ? c : c.cleared), 0);
    expect(cleared).toBe(4);
    expect(await inbox.unreadCount('alice')).toBe(0);
    expect((await inbox.getMany('alice', ids)).map((i) => i.state)).toEqual(['archived', 'archived', 'archived']);
  });

  describe('push fallbacks', () => {
    const due = new Date('2026-12-01T10:00:05Z');
    const at = (ms: number) => new Date(due.getTime() + ms);
    const withFallback = (n: number, userId = 'alice', partition = 3, dueAt = due): NewInboxItem =>
      item(n, userId, { fallback: { dueAt, partition, afterMs: 5000, push: { apns: { sound: 'ping' } } } });
    const lease = { limit: 100, leaseMs: 30_000 };

    it('keeps a fallback with its item until it is due, then hands it to one claimer until the lease is over', async () => {
      const { inbox } = fixture.store();
      await inbox.appendMany([withFallback(1), item(2)]);
      expect((await inbox.get('alice', 'alice-n1'))!.fallback).toEqual({ dueAt: due, partition: 3, afterMs: 5000, push: { apns: { sound: 'ping' } } });
      expect(await inbox.claimDueFallbacks([3], at(-1), lease)).toEqual({ claimed: [], cancelled: 0, found: 0 });
      const first = await inbox.claimDueFallbacks([3], at(0), lease);
      expect(first.claimed.map((i) => [i.notificationId, i.state, i.content.title, i.fallback?.afterMs])).toEqual([['alice-n1', 'sent', 'hello 1', 5000]]);
      // Held by its claimer: nobody else gets it, not even the claimer asking again.
      expect(await inbox.claimDueFallbacks([3], at(29_000), lease)).toEqual({ claimed: [], cancelled: 0, found: 1 });
      // The claimer died before clearing it: once the lease is over, one other claimer takes it over.
      const again = await Promise.all([inbox.claimDueFallbacks([3], at(31_000), lease), inbox.claimDueFallbacks([3], at(31_000), lease)]);
      expect(again.flatMap((c) => c.claimed.map((i) => i.notificationId))).toEqual(['alice-n1']);
      await inbox.clearFallbacks(['alice-n1', 'alice-n1', 'nothing']);
      expect(await inbox.claimDueFallbacks([3], at(100_000), lease)).toEqual({ claimed: [], cancelled: 0, found: 0 });
      expect((await inbox.get('alice', 'alice-n1'))!.fallback).toBeUndefined();
    });

    it('hands each due fallback to exactly one of many racing claimers', async () => {
      const { inbox } = fixture.store();
      await inbox.appendMany([1, 2, 3, 4, 5, 6].map((n) => withFallback(n, n % 2 ? 'alice' : 'bob')));
      const claims = await Promise.all([1, 2, 3, 4].map(() => inbox.claimDueFallbacks([3], at(10), lease)));
      const claimed = claims.flatMap((c) => c.claimed.map((i) => i.notificationId)).sort();
      expect(claimed).toEqual(['alice-n1', 'alice-n3', 'alice-n5', 'bob-n2', 'bob-n4', 'bob-n6']);
    });

    it('looks only at the partitions asked for, earliest due first, at most the limit', async () => {
      const { inbox } = fixture.store();
      await inbox.appendMany([withFallback(1, 'alice', 1, at(300)), withFallback(2, 'alice', 2, at(100)), withFallback(3, 'bob', 1, at(200)), withFallback(4, 'carol', 5)]);
      expect(await inbox.claimDueFallbacks([], at(1000), lease)).toEqual({ claimed: [], cancelled: 0, found: 0 });
      const some = await inbox.claimDueFallbacks([1, 2], at(1000), { ...lease, limit: 2 });
      expect([some.found, some.claimed.map((i) => i.notificationId)]).toEqual([2, ['alice-n2', 'bob-n3']]);
      expect((await inbox.claimDueFallbacks([1, 2], at(1000), lease)).claimed.map((i) => i.notificationId)).toEqual(['alice-n1']);
      expect((await inbox.claimDueFallbacks([5], at(1000), lease)).claimed.map((i) => i.notificationId)).toEqual(['carol-n4']);
    });

    it('cancels the fallback of an acknowledged item instead of claiming it', async () => {
      const { inbox } = fixture.store();
      await inbox.appendMany([withFallback(1), withFallback(2), withFallback(3)]);
      await inbox.recordStates('alice', ['alice-n1'], 'delivered');
      await inbox.recordStates('alice', ['alice-n2'], 'read');
      const claim = await inbox.claimDueFallbacks([3], at(0), lease);
      expect([claim.cancelled, claim.claimed.map((i) => i.notificationId)]).toEqual([2, ['alice-n3']]);
      expect((await inbox.get('alice', 'alice-n1'))!.fallback).toBeUndefined();
      // A fallback claim is no state: the item is still unread and unacknowledged.
      expect(await inbox.get('alice', 'alice-n3')).toMatchObject({ state: 'sent' });
      expect([...(await inbox.reached('alice', ['alice-n3'], 'delivered'))]).toEqual([]);
      expect(await inbox.unreadCount('alice')).toBe(2);
    });

    it('is not swept by retention while its fallback is pending', async () => {
      const { inbox } = fixture.store();
      await inbox.appendMany([withFallback(1, 'alice', 3, at(0)), item(2, 'alice', { expiresAt: at(-10) })]);
      await inbox.append(item(3, 'alice', { expiresAt: at(-10), fallback: { dueAt: at(0), partition: 3, afterMs: 5000 } }));
      expect(await inbox.sweepExpired(at(1000), at(1000))).toBe(1);
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n1', 'alice-n3']);
      const { claimed } = await inbox.claimDueFallbacks([3], at(1000), lease);
      await inbox.clearFallbacks(claimed.map((i) => i.notificationId));
      expect(await inbox.sweepExpired(at(1000), at(1000))).toBe(2);
    });
  });

  describe('supersede by collapse key', () => {
    const ride = (n: number, title: string, userId = 'alice', extra: Partial<NewInboxItem> = {}): NewInboxItem => item(n, userId, { collapseKey: 'ride:42', content: { title, data: {} }, ...extra });

    it('replaces an unread item with the same key: one item, newer, the unread count unchanged', async () => {
      const { inbox } = fixture.store();
      const first = await inbox.append(ride(1, 'Your driver is 5 minutes away'));
      await inbox.append(item(2));
      await inbox.recordStates('alice', ['alice-n1'], 'delivered');
      expect(await inbox.unreadCount('alice')).toBe(2);
      const second = await inbox.append(ride(3, 'Your driver is 3 minutes away'));
      expect(second.created).toBe(true);
      expect(second.item).toMatchObject({ notificationId: 'alice-n3', supersedes: 'alice-n1', content: { title: 'Your driver is 3 minutes away' } });
      expect(second.item.seq).toBeGreaterThan(first.item.seq);
      expect(second.superseded?.map((i) => [i.notificationId, i.supersededBy, i.content.title])).toEqual([['alice-n1', 'alice-n3', 'Your driver is 5 minutes away']]);
      expect(await inbox.unreadCount('alice')).toBe(2);
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n2', 'alice-n3']);
      expect((await inbox.listAfter('alice', 0, 1)).map((i) => i.notificationId)).toEqual(['alice-n2']);
      expect((await inbox.page('alice', { limit: 10, includeArchived: true })).items.map((i) => i.notificationId)).toEqual(['alice-n3', 'alice-n2']);
      expect((await inbox.page('alice', { limit: 10, unreadOnly: true })).items.map((i) => i.notificationId)).toEqual(['alice-n3', 'alice-n2']);
      // The replaced one is still found by id, saying what replaced it.
      expect(await inbox.get('alice', 'alice-n1')).toMatchObject({ supersededBy: 'alice-n3' });
      expect(await inbox.get('alice', 'alice-n3')).toMatchObject({ supersedes: 'alice-n1', state: 'sent' });
      // A chain: the next update replaces the current one.
      const third = await inbox.append(ride(4, 'Your driver is here'));
      expect([third.item.supersedes, third.superseded?.map((i) => i.notificationId)]).toEqual(['alice-n3', ['alice-n3']]);
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.content.title)).toEqual(['hello 2', 'Your driver is here']);
      expect(await inbox.unreadCount('alice')).toBe(2);
      expect(await inbox.markAllRead('alice')).toBe(2);
      expect(await inbox.unreadCount('alice')).toBe(0);
    });

    it('never replaces a read or archived item: a new one is created', async () => {
      const { inbox } = fixture.store();
      await inbox.append(ride(1, '5 minutes away'));
      await inbox.setState('alice', 'alice-n1', 'read');
      const second = await inbox.append(ride(2, '3 minutes away'));
      expect(second.item.supersedes).toBeUndefined();
      expect(second.superseded).toBeUndefined();
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n1', 'alice-n2']);
      expect(await inbox.unreadCount('alice')).toBe(1);
      await inbox.recordStates('alice', ['alice-n2'], 'archived');
      const third = await inbox.append(ride(3, '1 minute away'));
      expect(third.item.supersedes).toBeUndefined();
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n1', 'alice-n2', 'alice-n3']);
      expect(await inbox.unreadCount('alice')).toBe(1);
    });

    it('replaces only the same user’s items with the same key', async () => {
      const { inbox } = fixture.store();
      await inbox.appendMany([ride(1, 'a'), ride(1, 'a', 'bob'), item(2, 'alice', { collapseKey: 'ride:43' }), item(3)]);
      const next = await inbox.append(ride(4, 'b'));
      expect(next.superseded?.map((i) => i.notificationId)).toEqual(['alice-n1']);
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n2', 'alice-n3', 'alice-n4']);
      expect((await inbox.listAfter('bob', 0, 10)).map((i) => i.notificationId)).toEqual(['bob-n1']);
    });

    it('is idempotent: a redelivered replacement replaces nothing more and is answered as stored', async () => {
      const { inbox } = fixture.store();
      await inbox.append(ride(1, '5 minutes away'));
      const first = await inbox.append(ride(2, '3 minutes away'));
      const again = await inbox.append(ride(2, '3 minutes away'));
      expect(again.created).toBe(false);
      expect(again.superseded).toBeUndefined();
      expect(again.item).toMatchObject({ notificationId: 'alice-n2', seq: first.item.seq, supersedes: 'alice-n1' });
      const batch = await inbox.appendMany([ride(2, '3 minutes away'), ride(1, '5 minutes away'), ride(2, '3 minutes away')]);
      expect(batch.map((r) => [r.created, r.superseded])).toEqual([
        [false, undefined],
        [false, undefined],
        [false, undefined],
      ]);
      expect(batch[1]!.item.supersededBy).toBe('alice-n2');
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n2']);
      expect(await inbox.unreadCount('alice')).toBe(1);
    });

    it('applies a batch in order: the last update of the key is the one left, each replaced item reported once', async () => {
      const { inbox } = fixture.store();
      await inbox.append(ride(1, '5 minutes away'));
      const results = await inbox.appendMany([ride(2, '4 minutes away'), item(3), ride(4, '3 minutes away'), ride(1, 'Your driver is 2 minutes away', 'bob')]);
      expect(results[2]!.item.supersedes).toBe('alice-n2');
      expect(results.flatMap((r) => r.superseded ?? []).map((i) => [i.notificationId, i.supersededBy]).sort()).toEqual([
        ['alice-n1', expect.stringMatching(/^alice-n[24]$/)],
        ['alice-n2', 'alice-n4'],
      ]);
      expect((await inbox.listAfter('alice', 0, 10)).map((i) => i.notificationId)).toEqual(['alice-n3', 'alice-n4']);
      expect((await inbox.listAfter('bob', 0, 10)).map((i) => i.notificationId)).toEqual(['bob-n1']);
      expect(await inbox.unreadCount('alice')).toBe(2);
      expect(await inbox.get('alice', 'alice-n2')).toMatchObject({ supersededBy: 'alice-n4' });
    });

    it('lets a read and a replacement racing end one way or the other, never both', async () => {
      const { inbox } = fixture.store();
      for (let round = 0; round < 6; round++) {
        const userId = `rider${round}`;
        await inbox.append(ride(1, '5 minutes away', userId));
        const [read, replaced] = await Promise.all([inbox.recordStates(userId, [`${userId}-n1`], 'read'), inbox.append(ride(2, '3 minutes away', userId))]);
        const listed = (await inbox.listAfter(userId, 0, 10)).map((i) => i.notificationId);
        if (replaced.item.supersedes) {
          expect([read.cleared, listed]).toEqual([0, [`${userId}-n2`]]);
        } else {
          expect([read.cleared, listed]).toEqual([1, [`${userId}-n1`, `${userId}-n2`]]);
        }
        expect(await inbox.unreadCount(userId)).toBe(1);
      }
    });

    it('cancels the push fallback of a replaced item (the new one has its own)', async () => {
      const { inbox } = fixture.store();
      const due = new Date('2026-12-01T10:00:05Z');
      await inbox.append(ride(1, '5 minutes away', 'alice', { fallback: { dueAt: due, partition: 0, afterMs: 5000 } }));
      await inbox.append(ride(2, '3 minutes away', 'alice', { fallback: { dueAt: new Date(due.getTime() + 5000), partition: 0, afterMs: 5000 } }));
      const claim = await inbox.claimDueFallbacks([0], new Date(due.getTime() + 10_000), { limit: 10, leaseMs: 30_000 });
      expect([claim.cancelled, claim.claimed.map((i) => i.notificationId)]).toEqual([1, ['alice-n2']]);
    });
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
