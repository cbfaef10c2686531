import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMongo, uniqueName } from '@notify/testing';
import { StoreUnavailableError, connectMongo } from './connection';
import { createMongoStore, type MongoStore } from './store';
import { describeStoreContract } from './store.contract';

// One connection for the file; each test gets its own database on it.
let shared: MongoStore;
beforeAll(async () => {
  shared = await createMongoStore({ url: await requireMongo(uniqueName('store-indexes')) });
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
  it('creates the indexes the repositories rely on', async () => {
    const names = async (collection: string) => (await shared.connection.db!.collection(collection).indexes()).map((i) => ({ key: i.key, unique: i.unique ?? false }));
    expect(await names('inbox')).toEqual(
      expect.arrayContaining([
        { key: { notificationId: 1 }, unique: true },
        { key: { userId: 1, seq: 1 }, unique: true },
      ]),
    );
    expect(await names('devices')).toEqual(expect.arrayContaining([{ key: { token: 1 }, unique: true }]));
    expect(await names('digests')).toEqual(expect.arrayContaining([{ key: { openSlot: 1 }, unique: true }]));
    expect(await names('rule_versions')).toEqual(expect.arrayContaining([{ key: { ruleId: 1, revision: 1 }, unique: true }]));
  });

  it('answers pings', async () => {
    await expect(shared.ping()).resolves.toBeUndefined();
  });

  it('gives up on an unreachable server with a clear error, without leaking credentials', async () => {
    const started = Date.now();
    const error = await connectMongo({ url: 'mongodb://ops:secret@127.0.0.1:1/x', attempts: 2, initialDelayMs: 10, serverSelectionTimeoutMs: 200 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/^MongoDB is not reachable at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/x after 2 attempts: /);
    expect((error as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
