import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientNotification, UpdatedNotification } from '@notify/contracts';
import { NotifyStream, memoryCursorStore, type EventSourceConstructor } from '@notify/client';
import { sleep } from '@notify/testing';
import { notification, startGateway, userToken, waitFor, type GatewayUnderTest, type TestClient } from './gateway-harness';

/** On the real Kafka and MongoDB-wire server: deliver.inapp in, the inbox, socket.io and the SDK out. */
let gateway: GatewayUnderTest;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.stop());

const ride = (userId: string, title: string, collapseKey = 'ride:42') => notification(userId, { type: 'ride.eta', collapseKey, content: { title, data: {} } });
const statusesOf = (notificationId: string) => gateway.statuses.filter((s) => s.notificationId === notificationId);
const updatesOf = (test: TestClient) => {
  const updates: UpdatedNotification[] = [];
  test.client.on('updated', (n) => updates.push(n));
  return updates;
};

describe('supersede by collapse key, through the gateway', () => {
  it('"Your driver is 3 minutes away" replaces "5 minutes away": one inbox item, unread count 1, an updated event the SDK applies', async () => {
    const rider = await gateway.client('rider');
    const updates = updatesOf(rider);
    const five = ride('rider', 'Your driver is 5 minutes away');
    await gateway.deliver(five);
    await waitFor('the first one', () => rider.received.length === 1 && rider.unread.at(-1) === 1);
    // Its automatic ack on the trail first, so the trail's order below is known.
    await waitFor('the first one acknowledged', () => statusesOf(five.notificationId).some((s) => s.status === 'delivered'));
    const three = ride('rider', 'Your driver is 3 minutes away');
    await gateway.deliver(three);
    await waitFor('the update', () => updates.length === 1);
    expect(updates[0]).toMatchObject({ notificationId: three.notificationId, supersedes: five.notificationId, collapseKey: 'ride:42', content: { title: 'Your driver is 3 minutes away' } });
    expect(updates[0]!.seq).toBeGreaterThan(rider.received[0]!.seq);
    // Not also a plain notification, and what the app shows is the new text alone.
    expect(rider.received.map((n) => n.notificationId)).toEqual([five.notificationId]);
    expect(rider.client.notifications.map((n) => n.content.title)).toEqual(['Your driver is 3 minutes away']);

    const { inbox } = gateway.running.deps.store;
    expect((await inbox.listAfter('rider', 0, 10)).map((i) => [i.notificationId, i.supersedes])).toEqual([[three.notificationId, five.notificationId]]);
    expect(await inbox.unreadCount('rider')).toBe(1);
    await sleep(200);
    expect(rider.unread.at(-1)).toBe(1);
    // Acknowledged as any notification is.
    await waitFor('the update acknowledged', async () => (await inbox.get('rider', three.notificationId))?.state === 'delivered');

    // The trail: the replaced one's last step names its replacement.
    await waitFor('the superseded step', () => statusesOf(five.notificationId).some((s) => s.status === 'superseded'));
    expect(statusesOf(five.notificationId).map((s) => s.status)).toEqual(['sent', 'delivered', 'superseded']);
    expect(statusesOf(five.notificationId)[2]).toMatchObject({ channel: 'inapp', service: 'gateway', detail: { supersededBy: three.notificationId } });
    await waitFor('the update’s steps', () => statusesOf(three.notificationId).some((s) => s.status === 'delivered'));
    expect(statusesOf(three.notificationId)[0]).toMatchObject({ status: 'sent', detail: { supersedes: five.notificationId } });

    // Delivered again by the bus (a consumer crash): nothing new for the client, no second step.
    await gateway.deliver(three);
    await sleep(300);
    expect(updates).toHaveLength(1);
    expect(statusesOf(five.notificationId).filter((s) => s.status === 'superseded')).toHaveLength(1);

    // A client reconnecting from before both catches up with the current item only.
    const before = rider.received[0]!.seq - 1;
    const returning = await gateway.client('rider', { device: 'tablet', cursorStore: memoryCursorStore(before) });
    const caughtUp = updatesOf(returning);
    await waitFor('the catch-up', () => caughtUp.length === 1);
    await sleep(200);
    expect(returning.received).toEqual([]);
    expect(caughtUp.map((n) => [n.notificationId, n.supersedes])).toEqual([[three.notificationId, five.notificationId]]);
    expect(returning.client.notifications.map((n) => n.content.title)).toEqual(['Your driver is 3 minutes away']);
  });

  it('never replaces a read item: a new one is created', async () => {
    const reader = await gateway.client('reader');
    const updates = updatesOf(reader);
    const five = ride('reader', 'Your driver is 5 minutes away', 'ride:43');
    await gateway.deliver(five);
    await waitFor('the first one', () => reader.received.length === 1);
    expect(await reader.client.read([five.notificationId])).toBe(1);
    const three = ride('reader', 'Your driver is 3 minutes away', 'ride:43');
    await gateway.deliver(three);
    await waitFor('the second one', () => reader.received.length === 2);
    expect(updates).toEqual([]);
    expect(reader.received[1]).toMatchObject({ notificationId: three.notificationId, collapseKey: 'ride:43' });
    expect(reader.received[1]).not.toHaveProperty('supersedes');
    const { inbox } = gateway.running.deps.store;
    expect((await inbox.listAfter('reader', 0, 10)).map((i) => i.notificationId)).toEqual([five.notificationId, three.notificationId]);
    expect(await inbox.unreadCount('reader')).toBe(1);
    await waitFor('the unread count', () => reader.unread.at(-1) === 1);
    expect(reader.client.notifications.map((n) => [n.content.title, n.state])).toEqual([
      ['Your driver is 5 minutes away', 'read'],
      ['Your driver is 3 minutes away', 'sent'],
    ]);
    expect(statusesOf(five.notificationId).map((s) => s.status)).not.toContain('superseded');
  });

  it('replaces an update stored while the user was away: the push fallback of the replaced one is cancelled', async () => {
    const five = ride('away', 'Your driver is 5 minutes away', 'ride:44');
    const three = ride('away', 'Your driver is 3 minutes away', 'ride:44');
    await gateway.deliver({ ...five, fallback: { channel: 'push', afterMs: 300 } }, { ...three, fallback: { channel: 'push', afterMs: 300 } });
    await waitFor('the one push', () => gateway.pushes.some((p) => p.notificationId === three.notificationId), { timeoutMs: 10_000 });
    await sleep(1500);
    expect(gateway.pushes.filter((p) => p.userId === 'away').map((p) => [p.notificationId, p.collapseKey])).toEqual([[three.notificationId, 'ride:44']]);
    expect(await gateway.running.deps.store.inbox.unreadCount('away')).toBe(1);
  });

  it('sends the replacement as an `updated` event over SSE, which NotifyStream applies', async () => {
    const stream = new NotifyStream({ url: gateway.url, token: () => userToken('streamer'), EventSource: EventSource as unknown as EventSourceConstructor, cursorStore: memoryCursorStore(), reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    const received: ClientNotification[] = [];
    const updates: UpdatedNotification[] = [];
    stream.on('notification', (n) => received.push(n));
    stream.on('updated', (n) => updates.push(n));
    try {
      await stream.connect();
      const five = ride('streamer', 'Your driver is 5 minutes away', 'ride:45');
      await gateway.deliver(five);
      await waitFor('the first one', () => received.length === 1);
      const three = ride('streamer', 'Your driver is 3 minutes away', 'ride:45');
      await gateway.deliver(three);
      await waitFor('the update', () => updates.length === 1);
      expect(updates[0]).toMatchObject({ notificationId: three.notificationId, supersedes: five.notificationId });
      expect(stream.cursor).toBe(updates[0]!.seq);
      expect(stream.notifications.map((n) => n.content.title)).toEqual(['Your driver is 3 minutes away']);
    } finally {
      stream.close();
    }
  });
});
