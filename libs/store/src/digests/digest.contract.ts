import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { AddToDigest } from './digest.types';

export function digestContract(fixture: StoreFixture): void {
  const add = (eventId: string, extra: Partial<AddToDigest> = {}): AddToDigest => ({
    userId: 'alice',
    digestKey: 'offers',
    item: { eventId, title: `offer ${eventId}`, at: new Date('2026-11-25T10:00:00Z') },
    flushAt: new Date('2026-11-25T11:00:00Z'),
    maxItems: 3,
    ...extra,
  });

  it('collects items in one open bucket, once per event, and says when it is full', async () => {
    const { digests } = fixture.store();
    const first = await digests.add(add('e1'));
    expect(first).toMatchObject({ added: true, full: false });
    expect(await digests.add(add('e1'))).toMatchObject({ added: false });
    await digests.add(add('e2'));
    const third = await digests.add(add('e3'));
    expect(third.full).toBe(true);
    expect(third.bucket.bucketId).toBe(first.bucket.bucketId);
    expect(third.bucket.items.map((i) => i.eventId)).toEqual(['e1', 'e2', 'e3']);
    expect(third.bucket.items[0]!.at).toEqual(new Date('2026-11-25T10:00:00Z'));
  });

  it('says how many buckets are open, how many are full, and when the next window ends', async () => {
    const { digests } = fixture.store();
    expect(await digests.waiting()).toEqual({ open: 0, full: 0, nextFlushAt: null });
    await digests.add(add('e1'));
    await digests.add(add('b1', { userId: 'bob', maxItems: 1, flushAt: new Date('2026-11-25T12:00:00Z') }));
    expect(await digests.waiting()).toEqual({ open: 2, full: 1, nextFlushAt: new Date('2026-11-25T11:00:00Z') });
    const { bucket } = await digests.add(add('e2'));
    await digests.close(bucket.bucketId);
    expect(await digests.waiting()).toEqual({ open: 1, full: 1, nextFlushAt: new Date('2026-11-25T12:00:00Z') });
  });

  it('is due when the window ends or the bucket is full', async () => {
    const { digests } = fixture.store();
    await digests.add(add('e1'));
    await digests.add(add('b1', { userId: 'bob', maxItems: 1, flushAt: new Date('2026-11-25T12:00:00Z') }));
    const before = await digests.due(new Date('2026-11-25T10:30:00Z'), 10);
    expect(before.map((b) => b.userId)).toEqual(['bob']);
    const after = await digests.due(new Date('2026-11-25T11:00:00Z'), 10);
    expect(after.map((b) => b.userId).sort()).toEqual(['alice', 'bob']);
  });

  it('lets exactly one of many racing routers close a bucket; later events open a new one', async () => {
    const { digests } = fixture.store();
    const { bucket } = await digests.add(add('e1'));
    const closes = await Promise.all(Array.from({ length: 20 }, () => digests.close(bucket.bucketId)));
    expect(closes.filter((c) => c !== null)).toHaveLength(1);
    expect(closes.find((c) => c !== null)).toMatchObject({ status: 'closed', items: [{ eventId: 'e1' }] });
    expect(await digests.add(add('e1'))).toMatchObject({ added: false }); // still held by the closed bucket
    const next = await digests.add(add('e2'));
    expect(next.added).toBe(true);
    expect(next.bucket.bucketId).not.toBe(bucket.bucketId);
  });

  it('keeps one open bucket per key under concurrent adds, losing no event', async () => {
    const { digests } = fixture.store();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => digests.add(add(`c${i}`, { maxItems: 100 }))));
    expect(new Set(results.map((r) => r.bucket.bucketId)).size).toBe(1);
    const [open] = await digests.due(new Date('2030-01-01T00:00:00Z'), 10);
    expect(open!.items.map((i) => i.eventId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`).sort());
  });

  it('puts an event added while its bucket is being closed in exactly one digest', async () => {
    const { digests } = fixture.store();
    const { bucket } = await digests.add(add('e0', { maxItems: 100 }));
    const adds = Array.from({ length: 10 }, (_, i) => digests.add(add(`e${i + 1}`, { maxItems: 100 })));
    const [closed] = await Promise.all([digests.close(bucket.bucketId), ...adds]);
    const inClosed = closed!.items.map((i) => i.eventId);
    const [next] = await digests.due(new Date('2030-01-01T00:00:00Z'), 10);
    const inNext = next?.items.map((i) => i.eventId) ?? [];
    expect(inClosed.filter((id) => inNext.includes(id))).toEqual([]);
    expect([...inClosed, ...inNext].sort()).toEqual(Array.from({ length: 11 }, (_, i) => `e${i}`).sort());
    expect((await digests.listClosedUnsent(10))[0]!.items.map((i) => i.eventId)).toEqual(inClosed);
  });

  it('keeps a bucket closed that fills up while it is being closed, and loses none of the late events', async () => {
    const { digests } = fixture.store();
    const { bucket } = await digests.add(add('e0', { maxItems: 2 }));
    const adds = Array.from({ length: 12 }, (_, i) => digests.add(add(`e${i + 1}`, { maxItems: 2 })));
    const [closed] = await Promise.all([digests.close(bucket.bucketId), ...adds]);
    expect(closed).not.toBeNull();
    const due = await digests.due(new Date('2030-01-01T00:00:00Z'), 10);
    expect(due.map((b) => b.bucketId)).not.toContain(bucket.bucketId);
    expect(await digests.close(bucket.bucketId)).toBeNull();
    expect((await digests.listClosedUnsent(10)).map((b) => b.bucketId)).toEqual([bucket.bucketId]);
    const everywhere = [...closed!.items, ...due.flatMap((b) => b.items)].map((i) => i.eventId);
    expect(everywhere.sort()).toEqual(Array.from({ length: 13 }, (_, i) => `e${i}`).sort());
  });

  it('remembers claimed-but-unsent buckets for crash recovery, until marked sent', async () => {
    const { digests } = fixture.store();
    const { bucket } = await digests.add(add('e1'));
    await digests.close(bucket.bucketId);
    expect((await digests.listClosedUnsent(10)).map((b) => b.bucketId)).toEqual([bucket.bucketId]);
    await digests.markSent(bucket.bucketId);
    expect(await digests.listClosedUnsent(10)).toEqual([]);
    expect(await digests.due(new Date('2030-01-01T00:00:00Z'), 10)).toEqual([]);
    expect(await digests.sweepSentBefore(new Date(Date.now() + 1000))).toBe(1);
  });

  it('keeps one open bucket per user and key, with the window of the add that opened it', async () => {
    const { digests } = fixture.store();
    const first = await digests.add(add('e1'));
    const later = await digests.add(add('e2', { flushAt: new Date('2026-11-25T18:00:00Z'), maxItems: 50 }));
    expect(later.bucket).toMatchObject({ bucketId: first.bucket.bucketId, flushAt: new Date('2026-11-25T11:00:00Z'), maxItems: 3, status: 'open' });
    const news = await digests.add(add('e1', { digestKey: 'news' }));
    const bob = await digests.add(add('e1', { userId: 'bob' }));
    expect(news.added && bob.added).toBe(true);
    expect(new Set([first.bucket.bucketId, news.bucket.bucketId, bob.bucket.bucketId]).size).toBe(3);
    expect(bob.bucket).toMatchObject({ userId: 'bob', digestKey: 'offers', items: [{ eventId: 'e1' }] });
  });

  it('lists due buckets oldest window first, up to the limit', async () => {
    const { digests } = fixture.store();
    for (const [userId, hour] of [['u1', 11], ['u2', 9], ['u3', 10]] as const) await digests.add(add('e1', { userId, flushAt: new Date(`2026-11-25T${String(hour).padStart(2, '0')}:00:00Z`) }));
    expect((await digests.due(new Date('2026-11-25T12:00:00Z'), 2)).map((b) => b.userId)).toEqual(['u2', 'u3']);
  });

  it('sends nothing twice: a sent bucket is neither due, closable nor recovered, and an open one cannot be marked sent', async () => {
    const { digests } = fixture.store();
    const { bucket } = await digests.add(add('e1', { maxItems: 1 }));
    await digests.markSent(bucket.bucketId);
    expect((await digests.due(new Date('2030-01-01T00:00:00Z'), 10)).map((b) => b.bucketId)).toEqual([bucket.bucketId]);
    const closed = await digests.close(bucket.bucketId);
    expect(closed).toMatchObject({ status: 'closed', closedAt: expect.any(Date) });
    await digests.markSent(bucket.bucketId);
    await digests.markSent(bucket.bucketId);
    expect(await digests.close(bucket.bucketId)).toBeNull();
    expect(await digests.due(new Date('2030-01-01T00:00:00Z'), 10)).toEqual([]);
    expect(await digests.listClosedUnsent(10)).toEqual([]);
    expect(await digests.add(add('e1'))).toMatchObject({ added: false, bucket: { status: 'sent', sentAt: expect.any(Date) } });
    expect(await digests.close('no-such-bucket')).toBeNull();
  });

  it('recovers only buckets closed before a given time, so a live sender is left alone', async () => {
    const { digests } = fixture.store();
    const { bucket } = await digests.add(add('e1'));
    await digests.close(bucket.bucketId);
    expect(await digests.listClosedUnsent(10, new Date(Date.now() - 60_000))).toEqual([]);
    expect((await digests.listClosedUnsent(10, new Date(Date.now() + 1000))).map((b) => b.items.map((i) => i.eventId))).toEqual([['e1']]);
  });
}
