import { describe, expect, it } from 'vitest';
import type { ClientNotification } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import type { ClientConnection } from './connection';
import { toClientNotification } from './client-notification';
import { Feed } from './feed';

function recordingConnection(): ClientConnection & { sent: ClientNotification[] } {
  const sent: ClientNotification[] = [];
  return {
    id: 'c1',
    userId: 'alice',
    transport: () => 'websocket',
    backlog: () => 0,
    backlogLimit: 10,
    whenDrained: async () => true,
    sendNotification: (n) => sent.push(n),
    sendCursor: () => {},
    sendUnread: () => {},
    sendState: () => {},
    drain: () => {},
    close: () => {},
    sent,
  };
}

async function inboxWith(count: number) {
  const { inbox } = createMemoryStore();
  const items = [];
  for (let n = 1; n <= count; n++) {
    items.push(
      toClientNotification(
        (await inbox.append({ notificationId: `n${n}`, userId: 'alice', eventId: `e${n}`, type: 't', priority: 'transactional', content: { data: {} }, createdAt: new Date(), ...(n === 4 ? { expiresAt: new Date(0) } : {}) })).item,
      ),
    );
  }
  return { inbox, items };
}

describe('Feed', () => {
  it('fills a gap from the inbox before a notification that arrives ahead of the cursor, skipping expired items', async () => {
    const { inbox, items } = await inboxWith(6);
    const connection = recordingConnection();
    const feed = new Feed(connection, 1, { inbox, logger: silentLogger() });
    feed.offer(items[5]!);
    feed.offer(items[2]!);
    await feed.idle();
    expect(connection.sent.map((n) => n.seq)).toEqual([2, 3, 5, 6]);
    expect(feed.position).toBe(6);
  });

  it('sends what follows the cursor directly and drops what the client already has', async () => {
    const { inbox, items } = await inboxWith(3);
    const connection = recordingConnection();
    const feed = new Feed(connection, 2, { inbox, logger: silentLogger() });
    feed.offer(items[0]!);
    feed.offer(items[2]!);
    feed.offer(items[2]!);
    await feed.idle();
    expect(connection.sent.map((n) => n.seq)).toEqual([3]);
  });

  it('coalesces a burst beyond its queue into one inbox read, still in order and once each', async () => {
    const { inbox, items } = await inboxWith(200);
    const connection = recordingConnection();
    const feed = new Feed(connection, 0, { inbox, logger: silentLogger(), maxQueued: 8 });
    // Expired items are never offered live (the gateway drops them before the hand-over).
    const live = items.filter((i) => i.seq !== 4);
    for (const item of live) feed.offer(item);
    await feed.idle();
    expect(connection.sent.map((n) => n.seq)).toEqual(live.map((i) => i.seq));
  });

  it('sends straight away a notification whose previous item the client has, even when the numbers jump; reads the inbox when it lacks it', async () => {
    const { inbox, items } = await inboxWith(2);
    let reads = 0;
    const listAfter = inbox.listAfter.bind(inbox);
    inbox.listAfter = async (...args) => {
      reads++;
      return listAfter(...args);
    };
    const connection = recordingConnection();
    const feed = new Feed(connection, 2, { inbox, logger: silentLogger() });
    feed.offer({ ...items[1]!, notificationId: 'jumped', seq: 1_000, previousSeq: 2, eventId: 'e-jumped' });
    await feed.idle();
    expect(connection.sent.map((n) => n.seq)).toEqual([1_000]);
    expect(connection.sent[0]).not.toHaveProperty('previousSeq');
    expect(connection.sent[0]).not.toHaveProperty('eventId');
    expect(reads).toBe(0);
    expect(feed.handedEvents(['jumped', 'other'])).toEqual(new Map([['jumped', { eventId: 'e-jumped', eventType: 't' }]]));
    feed.offer({ ...items[1]!, notificationId: 'after-a-gap', seq: 2_000, previousSeq: 1_500 });
    await feed.idle();
    expect(reads).toBe(1);
  });

  it('lets a client go that accepts nothing before the stall timeout', async () => {
    const { inbox, items } = await inboxWith(2);
    const closed: string[] = [];
    const connection = { ...recordingConnection(), backlog: () => 10, whenDrained: async () => false, close: (reason: string) => void closed.push(reason) };
    let slow = 0;
    const feed = new Feed(connection, 0, { inbox, logger: silentLogger(), onSlowClient: () => slow++ });
    feed.offer(items[0]!);
    feed.offer(items[1]!);
    await feed.idle();
    expect(connection.sent).toEqual([]);
    expect(slow).toBe(1);
    expect(closed).toEqual(['slow client: too far behind, reconnect and resume from your cursor']);
  });
});
