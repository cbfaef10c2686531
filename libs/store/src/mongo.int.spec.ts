import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMongo, uniqueName } from '@notify/testing';
import { StoreUnavailableError, connectMongo } from './connection';
import { createMongoStore, type MongoStore } from './store';
import { describeStoreContract } from './store.contract';

// Each contract test opens a store on a database of its own and drops it afterwards; `shared` serves the tests below.
let shared: MongoStore;
let sharedUrl: string;
beforeAll(async () => {
  sharedUrl = await requireMongo(uniqueName('store-indexes'));
  shared = await createMongoStore({ url: sharedUrl });
});
afterAll(async () => {
  await shared?.connection.dropDatabase();
  await shared?.close();
});

describeStoreContract('mongodb', async () => {
  const store = await createMongoStore({ url: await requireMongo(uniqueName('store')) });
  return {
    store,
    dispose: async () => {
      await store.connection.dropDatabase();
      await store.close();
    },
  };
});

describe('mongodb connection', () => {
  it('creates the indexes the repositories rely on; TTL indexes only where the server has them', async () => {
    const db = shared.connection.db!;
    const names = async (collection: string) => (await db.collection(collection).indexes()).map((i) => ({ key: i.key, unique: i.unique ?? false }));
    // inbox `_id` is the notificationId: the idempotent append needs no other unique index.
    expect(await names('inbox')).toEqual(expect.arrayContaining([{ key: { userId: 1, seq: 1 }, unique: true }, { key: { expiresAt: 1 }, unique: false }]));
    expect(await names('devices')).toEqual(expect.arrayContaining([{ key: { token: 1 }, unique: true }, { key: { userId: 1, active: 1 }, unique: false }]));
    expect(await names('preferences')).toEqual([{ key: { _id: 1 }, unique: false }]); // keyed by _id = userId
    expect(await names('digests')).toEqual(expect.arrayContaining([{ key: { openSlot: 1 }, unique: true }]));
    expect(await names('rule_versions')).toEqual(expect.arrayContaining([{ key: { ruleId: 1, revision: 1 }, unique: true }]));
    expect(await names('delivery_log')).toEqual(expect.arrayContaining([{ key: { notificationId: 1, at: 1 }, unique: false }, { key: { eventId: 1, at: 1 }, unique: false }]));
    const ttl = shared.server === 'mongodb';
    expect(await names('idempotency_keys')).toEqual(expect.arrayContaining([{ key: { expiresAt: 1 }, unique: false }]));
    expect(await names('idempotency_takeovers')).toEqual(expect.arrayContaining([{ key: { at: 1 }, unique: false }]));
    expect(await names('delivery_log')).toEqual(expect.arrayContaining([{ key: { at: 1 }, unique: false }]));
    expect(await shared.deliveryLog.expireOnServerAfter(30 * 86_400_000)).toBe(ttl);
    const expiring = async (collection: string) => (await db.collection(collection).indexes()).filter((i) => i.expireAfterSeconds !== undefined).map((i) => [i.key, i.expireAfterSeconds]);
    if (ttl) {
      expect(await expiring('idempotency_keys')).toEqual([[{ expiresAt: 1 }, 0]]);
      expect(await expiring('delivery_log')).toEqual([[{ at: 1 }, 30 * 86_400]]);
    } else {
      for (const { name } of await db.listCollections().toArray()) expect(await expiring(name), name).toEqual([]);
    }
  });

  it('knows which server it talks to (FerretDB here: no TTL indexes, the sweeps do it all)', async () => {
    const info = await shared.connection.db!.admin().command({ buildInfo: 1 });
    expect(shared.server).toBe('ferretdbVersion' in info ? 'ferretdb' : 'mongodb');
  });

  it('starts again on a database it already set up, and keeps stores in one process apart', async () => {
    const again = await createMongoStore({ url: sharedUrl });
    await again.inbox.append({ notificationId: 'n1', userId: 'alice', eventId: 'e1', type: 't', priority: 'normal', content: { data: {} }, createdAt: new Date() });
    expect(await shared.inbox.unreadCount('alice')).toBe(1);
    await again.close();
    await expect(shared.ping()).resolves.toBeUndefined();
  });

  it('answers pings', async () => {
    await expect(shared.ping()).resolves.toBeUndefined();
  });

  it('gives up on an unreachable server with a clear error, logging each retry, without leaking credentials', async () => {
    const logged: Array<{ level: string; obj: object; msg?: string }> = [];
    const record = (level: string) => (obj: object, msg?: string) => logged.push({ level, obj, msg });
    const logger = { info: record('info'), warn: record('warn'), error: record('error') };
    const started = Date.now();
    const error = await connectMongo({ url: 'mongodb://ops:secret@127.0.0.1:1/x', logger, attempts: 2, initialDelayMs: 10, serverSelectionTimeoutMs: 200 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/^MongoDB is not reachable at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/x after 2 attempts: \S/);
    expect((error as Error).message).not.toContain('secret');
    expect(logged.map((l) => l.level)).toEqual(['warn', 'error']);
    expect(logged[0]!.obj).toMatchObject({ attempt: 1, attempts: 2, url: 'mongodb://***@127.0.0.1:1/x' });
    expect(JSON.stringify(logged)).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
