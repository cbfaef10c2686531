import { describe, expect, it } from 'vitest';
import { waitFor } from '@notify/testing';
import { silentLogger } from '@notify/observability';
import { createMemoryStore, type InboxRepository } from '@notify/store';
import type { PresencePublisher } from '../presence/presence-publisher';
import type { ClientConnection } from './connection';
import { ConnectionHub } from './connection-hub';
import { LocalConnections } from './local-connections';

function connectionOf(userId: string, unread: number[]): ClientConnection {
  return {
    id: `c-${userId}`,
    userId,
    transport: () => 'websocket',
    backlog: () => 0,
    backlogLimit: 100,
    whenDrained: async () => true,
    sendNotification: () => {},
    sendCursor: () => {},
    sendUnread: (count) => unread.push(count),
    sendState: () => {},
    drain: () => {},
    close: () => {},
  };
}

/**
 * A hub whose inbox lands a notification for the user (stored, and its +1 heard) while the unread
 * count's read number `n` is in flight, for every `n` that `landsDuring` accepts.
 */
function hubWithDeliveriesDuringReads(landsDuring: (read: number) => boolean) {
  const store = createMemoryStore();
  const local = new LocalConnections();
  let reads = 0;
  const inbox: InboxRepository = Object.create(store.inbox, {
    unreadCount: {
      value: async (userId: string) => {
        const count = await store.inbox.unreadCount(userId);
        if (landsDuring(++reads)) {
          await store.inbox.append({ notificationId: `n${reads}`, userId, eventId: `e${reads}`, type: 'chat.message', priority: 'transactional', content: { data: {} }, createdAt: new Date() });
          local.addUnread(userId, 1);
        }
        return count;
      },
    },
  });
  const presence = { connected: () => {}, disconnected: () => {} } as unknown as PresencePublisher;
  const hub = new ConnectionHub({ inbox, local, presence, logger: silentLogger(), resyncAfterMs: 0, stallTimeoutMs: 10_000, onSlowClient: () => {} });
  return { hub, local };
}

describe('ConnectionHub', () => {
  it('counts a notification stored while a new connection reads its unread count, then keeps counting from there', async () => {
    // The first count is read before a notification lands; the delivery's +1 arrives while it is in flight.
    const { hub, local } = hubWithDeliveriesDuringReads((read) => read === 1);
    const unread: number[] = [];
    await hub.open(connectionOf('erin', unread), undefined);
    expect(unread).toEqual([1]);
    local.addUnread('erin', 1);
    expect(unread).toEqual([1, 2]);
  });

  it('corrects a count read during a burst: notifications stored during each of its reads still reach the count', async () => {
    // Each of the first three reads has a notification land while it is in flight, as a burst to the user would.
    const { hub, local } = hubWithDeliveriesDuringReads((read) => read <= 3);
    const unread: number[] = [];
    await hub.open(connectionOf('erin', unread), undefined);
    // The third read missed the third notification: what was sent first is short by one.
    expect(unread).toEqual([2]);
    await waitFor('the exact count', () => unread.at(-1) === 3, { timeoutMs: 3000 });
    local.addUnread('erin', 1);
    expect(unread.at(-1)).toBe(4);
  });
});
