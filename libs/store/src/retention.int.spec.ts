import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMongo, uniqueName } from '@notify/testing';
import type { MongoDigestRepository } from './digests/digest.mongo';
import type { MongoIdempotencyRepository } from './idempotency/idempotency.mongo';
import type { MongoInboxRepository } from './inbox/inbox.mongo';
import type { MongoDeliveryLogRepository } from './delivery-log/delivery-log.mongo';
import { compositeId } from './mongo-writes';
import { storeSweeps } from './retention';
import { createMongoStore, type MongoStore } from './store';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows per collection, a share of them past retention: enough that a sweep that scanned per row would show. */
const ROWS = 4000;
const USERS = 400;

/**
 * The sweeps on the real server, at a few thousand rows: what is past its retention is gone together
 * with what hangs off it (state marks, digest items and facts, takeover markers), the rest is untouched.
 */
describe('retention on the real store', () => {
  let store: MongoStore;
  const now = new Date();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    store = await createMongoStore({ url: await requireMongo(uniqueName('retention')) });
  });
  afterAll(async () => {
    await store?.connection.dropDatabase();
    await store?.close();
    console.info(`retention sweeps at ${ROWS} rows per collection on ${store?.server}: ${JSON.stringify(timings)} ms`);
  });

  async function timed(name: string, sweep: () => Promise<number>): Promise<number> {
    const started = performance.now();
    const removed = await sweep();
    timings[name] = Math.round(performance.now() - started);
    return removed;
  }

  it('idempotency: expired claims and stale takeover markers go', async () => {
    const idempotency = store.idempotency as MongoIdempotencyRepository;
    await idempotency.model.insertMany(Array.from({ length: ROWS }, (_, i) => ({ _id: compositeId('router:event', `k${i}`), token: `t${i}`, expiresAt: i % 4 === 0 ? ago(1000) : new Date(now.getTime() + DAY_MS) })));
    await idempotency.takeovers.insertMany([
      { _id: 'stale', at: ago(5 * 60_000) },
      { _id: 'fresh', at: now },
    ]);
    expect(await timed('idempotency_keys', () => storeSweeps.idempotency(store).sweep(now))).toBe(ROWS / 4);
    expect(await idempotency.model.countDocuments()).toBe((ROWS * 3) / 4);
    expect(await idempotency.model.countDocuments({ expiresAt: { $lte: now } })).toBe(0);
    expect((await idempotency.takeovers.find().lean()).map((t) => t._id)).toEqual(['fresh']);
  });

  it('delivery log: entries older than the retention go', async () => {
    const log = store.deliveryLog as MongoDeliveryLogRepository;
    await log.model.insertMany(Array.from({ length: ROWS }, (_, i) => ({ eventId: `e${i}`, notificationId: `n${i}`, status: 'sent', service: 'gateway', at: ago(i % 2 === 0 ? 31 * DAY_MS : 29 * DAY_MS) })));
    expect(await timed('delivery_log', () => storeSweeps.deliveryLog(store, 30 * DAY_MS).sweep(now))).toBe(ROWS / 2);
    expect(await log.model.countDocuments()).toBe(ROWS / 2);
    expect(await log.model.countDocuments({ at: { $lt: ago(30 * DAY_MS) } })).toBe(0);
  });

  it('delivery log: a backlog larger than one delete statement can list goes, a chunk at a time', async () => {
    // FerretDB deletes what a filter matches by listing every id in one statement, and PostgreSQL
    // takes at most 65,535 parameters: a single deleteMany of this backlog fails on the server.
    const backlog = 70_000;
    const log = store.deliveryLog as MongoDeliveryLogRepository;
    await log.model.deleteMany({});
    for (let from = 0; from < backlog; from += 10_000) {
      await log.model.insertMany(Array.from({ length: 10_000 }, (_, i) => ({ eventId: `b${from + i}`, status: 'sent', service: 'router', at: ago(31 * DAY_MS + from + i) })), { lean: true });
    }
    await log.model.insertMany([{ eventId: 'recent', status: 'sent', service: 'router', at: ago(DAY_MS) }]);
    expect(await storeSweeps.deliveryLog(store, 30 * DAY_MS).sweep(now)).toBe(backlog);
    expect((await log.model.find().lean()).map((e) => e.eventId)).toEqual(['recent']);
  }, 120_000);

  it('inbox: old and expired items go with their state marks; their numbers stay taken', async () => {
    const inbox = store.inbox as MongoInboxRepository;
    // Per user: seq 1..10; odd users' newest item is past retention, every fifth item has expired.
    const docs = Array.from({ length: ROWS }, (_, i) => {
      const userId = `u${i % USERS}`;
      const seq = Math.floor(i / USERS) + 1;
      const old = i % 2 === 1 && seq === ROWS / USERS;
      const expired = i % 5 === 0;
      return { _id: `n${i}`, userId, eventId: `e${i}`, type: 't', priority: 'normal', content: { data: {} }, createdAt: old ? ago(91 * DAY_MS) : ago(DAY_MS), ...(expired ? { expiresAt: ago(1000) } : {}), seq, state: 'sent', stateRank: 0 };
    });
    await inbox.model.insertMany(docs);
    const swept = docs.filter((d) => d.expiresAt || d.createdAt < ago(90 * DAY_MS));
    const kept = docs.filter((d) => !swept.includes(d));
    await inbox.marks.record([...swept.slice(0, 50), ...kept.slice(0, 50)].map((d) => ({ notificationId: d._id, userId: d.userId, state: 'delivered' as const })));

    expect(await timed('inbox', () => storeSweeps.inbox(store, 90 * DAY_MS).sweep(now))).toBe(swept.length);
    expect(await inbox.model.countDocuments()).toBe(kept.length);
    const marks = await inbox.marks.model.find({}, { notificationId: 1 }).lean();
    expect(marks.map((m) => m.notificationId).sort()).toEqual(kept.slice(0, 50).map((d) => d._id).sort());
    // u1's newest item (seq 10) was swept: its next item must not get 10 again.
    expect((await store.inbox.append({ notificationId: 'after', userId: 'u1', eventId: 'e', type: 't', priority: 'normal', content: { data: {} }, createdAt: now })).item.seq).toBeGreaterThan(10);
  });

  it('digests: sent ones go with their items and facts; open and unsent ones stay whole', async () => {
    const digests = store.digests as MongoDigestRepository;
    const add = (userId: string, eventId: string) => digests.add({ userId, digestKey: 'offers', item: { eventId, at: now }, flushAt: new Date(now.getTime() + DAY_MS), maxItems: 10 });
    const sent: string[] = [];
    for (let u = 0; u < 20; u++) {
      const { bucket } = await add(`s${u}`, 'e1');
      await add(`s${u}`, 'e2');
      await digests.close(bucket.bucketId);
      await digests.markSent(bucket.bucketId);
      sent.push(bucket.bucketId);
    }
    const closed = (await add('closed', 'e1')).bucket.bucketId;
    await digests.close(closed);
    const open = (await add('open', 'e1')).bucket.bucketId;

    expect(await timed('digests', () => storeSweeps.sentDigests(store, DAY_MS).sweep(new Date(now.getTime() + 2 * DAY_MS)))).toBe(20);
    expect((await digests.buckets.find({}, { _id: 1 }).lean()).map((b) => b._id).sort()).toEqual([closed, open].sort());
    expect(await digests.items.countDocuments({ bucketId: { $in: sent } })).toBe(0);
    expect(await digests.facts.model.countDocuments({ bucketId: { $in: sent } })).toBe(0);
    expect(await digests.items.countDocuments({ bucketId: { $in: [closed, open] } })).toBe(2);
    expect(await digests.facts.model.countDocuments({ bucketId: closed })).toBeGreaterThan(0);
  });
});
