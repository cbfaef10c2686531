import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireMongo, uniqueName } from '@notify/testing';
import { createMongoStore, type MongoStore } from '../store';
import type { NewInboxItem } from './inbox.types';

/**
 * Two gateway instances writing one user's inbox at once (a partition changing hands): each has
 * its own connection and its own numbering, and the database decides which item replaces which.
 */
let a: MongoStore;
let b: MongoStore;
beforeAll(async () => {
  const url = await requireMongo(uniqueName('inbox-supersede'));
  a = await createMongoStore({ url });
  b = await createMongoStore({ url });
});
afterAll(async () => {
  await a?.connection.dropDatabase();
  await a?.close();
  await b?.close();
});

const ride = (userId: string, n: number, title: string): NewInboxItem => ({
  notificationId: `${userId}-n${n}`,
  userId,
  eventId: `e${n}`,
  type: 'ride.eta',
  priority: 'transactional',
  collapseKey: 'ride:42',
  content: { title, data: {} },
  createdAt: new Date(),
});

describe('supersede by collapse key, two writers', () => {
  it('stores a notification both writers deliver once, and replaces the unread item once', async () => {
    for (let round = 0; round < 5; round++) {
      const userId = uniqueName('same');
      await a.inbox.append(ride(userId, 1, '5 minutes away'));
      const [fromA, fromB] = await Promise.all([a.inbox.append(ride(userId, 2, '3 minutes away')), b.inbox.append(ride(userId, 2, '3 minutes away'))]);
      expect([fromA.created, fromB.created].sort()).toEqual([false, true]);
      // The trail gets one `superseded` step: only one writer reports the replacement.
      expect([...(fromA.superseded ?? []), ...(fromB.superseded ?? [])].map((i) => i.notificationId)).toEqual([`${userId}-n1`]);
      expect((await a.inbox.listAfter(userId, 0, 10)).map((i) => [i.notificationId, i.supersedes])).toEqual([[`${userId}-n2`, `${userId}-n1`]]);
      expect(await b.inbox.unreadCount(userId)).toBe(1);
    }
  });

  it('leaves one unread item of the key when two different updates race', async () => {
    for (let round = 0; round < 5; round++) {
      const userId = uniqueName('race');
      await a.inbox.append(ride(userId, 1, '5 minutes away'));
      await Promise.all([a.inbox.append(ride(userId, 2, '4 minutes away')), b.inbox.append(ride(userId, 3, '3 minutes away'))]);
      const listed = await a.inbox.listAfter(userId, 0, 10);
      expect(listed).toHaveLength(1);
      expect(await a.inbox.unreadCount(userId)).toBe(1);
      const all = await a.inbox.getMany(userId, [`${userId}-n1`, `${userId}-n2`, `${userId}-n3`]);
      expect(all.filter((i) => i.supersededBy === undefined).map((i) => i.notificationId)).toEqual([listed[0]!.notificationId]);
    }
  });
});
