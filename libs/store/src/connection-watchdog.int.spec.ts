import { afterEach, describe, expect, it } from 'vitest';
import { requireMongo, uniqueName, waitFor } from '@notify/testing';
import { connectMongo } from './connection';
import { watchConnection } from './connection-watchdog';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const pings = async (connection: Awaited<ReturnType<typeof connectMongo>>) =>
  Promise.race([(async () => (await connection.db!.admin().ping(), true))(), new Promise<boolean>((resolve) => setTimeout(resolve, 1000, false))]).catch(() => false);

describe('connection watchdog', () => {
  it('reopens a connection whose client no longer reaches the server while a new client does; an unwatched one stays failing', async () => {
    const url = await requireMongo(uniqueName('watchdog'));
    const watched = await connectMongo({ url });
    const unwatched = await connectMongo({ url });
    cleanups.push(() => watched.close(true), () => unwatched.close(true));
    const watchdog = watchConnection(watched, { url, connectOptions: { serverSelectionTimeoutMS: 2000, autoIndex: false }, intervalMs: 250, stuckAfterMs: 1500 });
    cleanups.push(() => watchdog.stop());
    const model = watched.model('Probe', new (await import('mongoose')).Schema({ at: Date }));
    expect(await pings(watched)).toBe(true);

    // Both clients stop working as the driver's does when it wedges after a database restart: every
    // operation fails while the server itself is fine.
    await Promise.all([watched.getClient().close(true), unwatched.getClient().close(true)]);
    expect(await pings(watched)).toBe(false);
    await waitFor('the watched connection to answer again', () => pings(watched), { timeoutMs: 15_000, intervalMs: 250 });
    expect(watchdog.reopened).toBe(1);
    // A model bound to the connection works on the reopened client.
    await model.create({ at: new Date() });
    expect(await model.countDocuments()).toBe(1);
    expect(await pings(unwatched)).toBe(false);
  });
});
