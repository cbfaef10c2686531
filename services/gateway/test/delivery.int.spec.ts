import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@notify/testing';
import { notification, places, startGateway, waitFor, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.stop());

const statusesOf = (notificationId: string) => gateway.statuses.filter((s) => s.notificationId === notificationId).map((s) => s.status);

describe('in-app delivery over socket.io', () => {
  it('delivers to every device of the user, in order, once each, and never to another user', async () => {
    const phone = await gateway.client('alice', { device: 'phone' });
    const laptop = await gateway.client('alice', { device: 'laptop' });
    const bob = await gateway.client('bob');
    const sent = [notification('alice'), notification('alice'), notification('alice')];
    await gateway.deliver(...sent);
    await waitFor('both devices to get three', () => phone.received.length === 3 && laptop.received.length === 3);
    expect(phone.received.map((n) => n.notificationId)).toEqual(sent.map((n) => n.notificationId));
    expect(places(laptop.received)).toEqual([1, 2, 3]);
    expect(phone.received[0]).toMatchObject({ type: 'chat.message', priority: 'transactional', state: 'sent', content: { title: sent[0]!.content.title } });
    // Redelivery from the bus (a consumer crash) stores nothing new and shows nothing twice.
    await gateway.deliver(sent[1]!);
    await sleep(200);
    expect(phone.received).toHaveLength(3);
    expect(bob.received).toEqual([]);
    expect(phone.unread.at(-1)).toBe(3);
  });

  it('turns the automatic ack into delivered, each step into a status event, and syncs reads across devices', async () => {
    const phone = await gateway.client('carol', { device: 'phone' });
    const laptop = await gateway.client('carol', { device: 'laptop', autoAck: false });
    const n = notification('carol');
    await gateway.deliver(n);
    await waitFor('delivered', async () => (await gateway.running.deps.store.inbox.get('carol', n.notificationId))?.state === 'delivered');
    expect(await phone.client.seen([n.notificationId])).toBe(1);
    expect(await laptop.client.read([n.notificationId])).toBe(1);
    await waitFor('the phone to hear it was read', () => phone.states.some((s) => s.notificationId === n.notificationId && s.state === 'read'));
    expect(phone.unread.at(-1)).toBe(0);
    expect(await phone.client.archive([n.notificationId])).toBe(1);
    await waitFor('the laptop to hear it was archived', () => laptop.states.some((s) => s.state === 'archived'));
    await waitFor('every status', () => statusesOf(n.notificationId).length === 5);
    expect(statusesOf(n.notificationId)).toEqual(['sent', 'delivered', 'seen', 'read', 'archived']);
    // Going backwards changes nothing and says so.
    expect(await laptop.client.read([n.notificationId])).toBe(0);
  });

  it('refuses to touch another user’s notification and says what is wrong with a bad request', async () => {
    const dave = await gateway.client('dave');
    const mallory = await gateway.client('mallory');
    const n = notification('dave');
    await gateway.deliver(n);
    await waitFor('dave to get and acknowledge it', async () => dave.received.length === 1 && (await gateway.running.deps.store.inbox.get('dave', n.notificationId))?.state === 'delivered');
    expect(await mallory.client.read([n.notificationId])).toBe(0);
    expect(await mallory.client.archive([n.notificationId])).toBe(0);
    expect((await gateway.running.deps.store.inbox.get('dave', n.notificationId))?.state).toBe('delivered');
    await expect(mallory.client.read([])).rejects.toThrow('notificationIds: expected a non-empty array of strings');
    await expect(mallory.client.ack(Array.from({ length: 501 }, (_, i) => `x${i}`))).rejects.toThrow('at most 500');
    expect(mallory.received).toEqual([]);
  });

  it('marks all read and pushes the unread count live', async () => {
    const erin = await gateway.client('erin', { autoAck: false });
    await gateway.deliver(notification('erin'), notification('erin'), notification('erin'));
    await waitFor('three unread', () => erin.unread.at(-1) === 3);
    expect(await erin.client.readAll()).toBe(3);
    await waitFor('zero unread', () => erin.unread.at(-1) === 0);
    expect(await gateway.running.deps.store.inbox.unreadCount('erin')).toBe(0);
  });

  it('falls back to push when no device acknowledges in time, and not when one does', async () => {
    const frank = await gateway.client('frank', { autoAck: false });
    const grace = await gateway.client('grace');
    const unacked = notification('frank', { fallback: { channel: 'push', afterMs: 1000 } });
    const acked = notification('grace', { fallback: { channel: 'push', afterMs: 1000 } });
    await gateway.deliver(unacked, acked);
    await waitFor('frank’s push fallback', () => gateway.pushes.some((p) => p.notificationId === unacked.notificationId));
    await sleep(1200);
    expect(gateway.pushes.map((p) => p.notificationId)).toEqual([unacked.notificationId]);
    expect(gateway.pushes[0]!.fallback).toBeUndefined();
    expect(frank.received).toHaveLength(1);
    expect(grace.received).toHaveLength(1);
    expect(gateway.statuses.find((s) => s.notificationId === unacked.notificationId && s.channel === 'push')).toMatchObject({ status: 'routed', reason: 'not acknowledged within 1000 ms: push fallback' });
  });

  it('catches a reconnecting client up from its cursor: everything missed, in order, no gap, no duplicate', async () => {
    const henry = await gateway.client('henry');
    await gateway.deliver(notification('henry'), notification('henry'));
    await waitFor('two', () => henry.received.length === 2);
    henry.client.close();
    const missed = Array.from({ length: 5 }, () => notification('henry'));
    await gateway.deliver(...missed);
    await sleep(100);
    const live = notification('henry');
    const reconnected = henry.client.connect();
    await gateway.deliver(live);
    await reconnected;
    await waitFor('all eight', () => henry.received.length === 8);
    await sleep(200);
    expect(places(henry.received)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(henry.received.slice(2).map((n) => n.notificationId)).toEqual([...missed, live].map((n) => n.notificationId));
  });

  it('works over socket.io long-polling', async () => {
    const ivan = await gateway.client('ivan', { transports: ['polling'] });
    expect(ivan.client.transport).toBe('polling');
    const n = notification('ivan');
    await gateway.deliver(n);
    await waitFor('polling client to receive', () => ivan.received.length === 1);
    await waitFor('its ack', async () => (await gateway.running.deps.store.inbox.get('ivan', n.notificationId))?.state === 'delivered');
    expect(await ivan.client.read([n.notificationId])).toBe(1);
  });

  it('refuses handshakes without a valid token, with the reason', async () => {
    await expect(gateway.client('x', { token: '' })).rejects.toThrow('unauthorized: no token (send it as auth.token)');
    await expect(gateway.client('x', { token: 'not.a.jwt' })).rejects.toThrow(/unauthorized: invalid token/);
  });
});
