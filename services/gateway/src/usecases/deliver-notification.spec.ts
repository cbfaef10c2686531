import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type ClientNotification, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import type { ClientConnection } from '../connections/connection';
import { Feed } from '../connections/feed';
import { LocalConnections } from '../connections/local-connections';
import { GatewayDirectory } from '../presence/gateway-directory';
import { RelayClient } from '../relay/relay-client';
import { UserFanOut } from '../relay/user-fan-out';
import { changeState, type ChangeStateDeps } from './change-state';
import { deliverNotifications, type DeliverNotificationDeps } from './deliver-notification';
import { FallbackSweeper } from '../fallback/fallback-sweeper';
import { pushDueFallbacks } from './push-due-fallbacks';

let store: Store;
let bus: MemoryBus;
let local: LocalConnections;
let deps: DeliverNotificationDeps & ChangeStateDeps;
let statuses: DeliveryStatus[];
let pushes: Notification[];

beforeEach(async () => {
  store = createMemoryStore();
  bus = new MemoryBus({ service: 'gateway', logger: silentLogger(), metrics: createMetricsRegistry('gateway', { processMetrics: false }) });
  await bus.start();
  statuses = [];
  pushes = [];
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void statuses.push(m.value));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push(m.value));
  local = new LocalConnections();
  const fanOut = new UserFanOut('g1', local, new GatewayDirectory(() => null), new RelayClient('secret', silentLogger()));
  deps = { bus, inbox: store.inbox, fanOut, gatewayId: 'g1', now: () => new Date('2026-12-01T10:00:00Z') };
});
afterEach(() => bus.stop());

let n = 0;
const notification = (userId: string, extra: Partial<Notification> = {}): Notification => ({
  version: 1,
  notificationId: `n${++n}:${userId}`,
  eventId: `e${n}`,
  userId,
  type: 'chat.message',
  priority: 'transactional',
  content: { title: `message ${n}`, data: {} },
  createdAt: '2026-12-01T09:59:59Z',
  ...extra,
});

function connect(userId: string): { sent: ClientNotification[]; unread: number[]; feed: Feed } {
  const sent: ClientNotification[] = [];
  const unread: number[] = [];
  const connection: ClientConnection = {
    id: `c-${userId}`,
    userId,
    transport: () => 'websocket',
    backlog: () => 0,
    backlogLimit: 100,
    whenDrained: async () => true,
    sendNotification: (x) => sent.push(x),
    sendCursor: () => {},
    sendUnread: (count) => unread.push(count),
    sendState: () => {},
    drain: () => {},
    close: () => {},
  };
  const feed = new Feed(connection, 0, { inbox: store.inbox, logger: silentLogger() });
  local.add(feed);
  local.rememberUnread(userId, 0);
  return { sent, unread, feed };
}

const settled = () => new Promise((r) => setTimeout(r, 20));

describe('deliverNotifications', () => {
  it('stores a batch, hands each online user its notifications in order with the unread change, and writes one status per new notification', async () => {
    const alice = connect('alice');
    const batch = [notification('alice'), notification('bob'), notification('alice', { expiresAt: '2026-12-01T09:00:00Z' }), notification('alice')];
    expect(await deliverNotifications(deps, batch, 0)).toEqual(['sent', 'stored', 'expired', 'sent']);
    await alice.feed.idle();
    expect(alice.sent.map((x) => x.notificationId)).toEqual([batch[0]!.notificationId, batch[3]!.notificationId]);
    expect(alice.unread).toEqual([2]);
    await settled();
    // Status events are keyed by user: in order per user, not across users.
    const statusOf = (x: Notification) => statuses.filter((s) => s.notificationId === x.notificationId).map((s) => s.status);
    expect(batch.map(statusOf)).toEqual([['sent'], ['sent'], ['expired'], ['sent']]);
    expect(statuses.filter((s) => s.userId === 'alice').map((s) => s.notificationId)).toEqual([batch[2], batch[0], batch[3]].map((x) => x!.notificationId));
    expect(statuses.find((s) => s.notificationId === batch[0]!.notificationId)!.detail).toMatchObject({ online: true, localConnections: 1 });
    expect(statuses.find((s) => s.notificationId === batch[1]!.notificationId)!.detail).toMatchObject({ online: false, localConnections: 0 });
  });

  it('hands a redelivered notification over again without storing it twice, counting it, or a second status', async () => {
    const carol = connect('carol');
    const first = notification('carol');
    await deliverNotifications(deps, [first], 0);
    const again = await deliverNotifications(deps, [first, notification('carol')], 0);
    expect(again).toEqual(['sent', 'sent']);
    await carol.feed.idle();
    expect(carol.sent).toHaveLength(2);
    expect(carol.unread).toEqual([1, 2]);
    await settled();
    expect(statuses.filter((s) => s.notificationId === first.notificationId)).toHaveLength(1);
    expect(await store.inbox.listAfter('carol', 0, 10)).toHaveLength(2);
  });
});

describe('supersede by collapse key', () => {
  it('hands a replacement over with what it replaces, keeps the unread count, and writes the replaced one’s superseded step once', async () => {
    const dan = connect('dan');
    const five = notification('dan', { collapseKey: 'ride:42', content: { title: '5 minutes away', data: {} } });
    const three = notification('dan', { collapseKey: 'ride:42', content: { title: '3 minutes away', data: {} } });
    const two = notification('dan', { collapseKey: 'ride:42', content: { title: '2 minutes away', data: {} } });
    const chat = notification('dan', { content: { title: 'chat', data: {} } });
    await deliverNotifications(deps, [five], 0);
    await deliverNotifications(deps, [three, chat], 0);
    await deliverNotifications(deps, [three, two], 0);
    await dan.feed.idle();
    expect(dan.sent.map((x) => [x.content.title, x.supersedes])).toEqual([
      ['5 minutes away', undefined],
      ['3 minutes away', five.notificationId],
      ['chat', undefined],
      ['2 minutes away', three.notificationId],
    ]);
    expect(dan.unread).toEqual([1, 2]);
    expect(await store.inbox.unreadCount('dan')).toBe(2);
    await settled();
    const steps = (x: Notification) => statuses.filter((s) => s.notificationId === x.notificationId).map((s) => [s.status, s.detail?.supersededBy ?? s.detail?.supersedes]);
    expect(steps(five)).toEqual([
      ['sent', undefined],
      ['superseded', three.notificationId],
    ]);
    expect(steps(three)).toEqual([
      ['sent', five.notificationId],
      ['superseded', two.notificationId],
    ]);
  });
});

describe('push fallback', () => {
  const at = (ms: number) => () => new Date(Date.parse('2026-12-01T10:00:00Z') + ms);
  const sweep = (partitions: number[], ms: number) => pushDueFallbacks({ ...deps, now: at(ms) }, partitions, { batchSize: 2, leaseMs: 60_000 });

  it('stores the fallback with the item, and pushes it once when due unless acknowledged, wherever the ack was taken', async () => {
    const fallback = { channel: 'push' as const, afterMs: 30 };
    const acked = notification('dave', { fallback });
    const ackedElsewhere = notification('dave', { fallback });
    const unacked = notification('dave', { fallback, push: { apns: { sound: 'ping' } } });
    const alsoUnacked = notification('dave', { fallback });
    const dave = connect('dave');
    await deliverNotifications(deps, [acked, ackedElsewhere, unacked, alsoUnacked], 2);
    await dave.feed.idle();
    expect((await store.inbox.get('dave', unacked.notificationId))!.fallback).toMatchObject({ dueAt: at(30)(), partition: 2, afterMs: 30 });
    await changeState(deps, 'dave', [acked.notificationId], 'delivered', 'c-dave', dave.feed.handedEvents([acked.notificationId]));
    await store.inbox.recordStates('dave', [ackedElsewhere.notificationId], 'delivered');

    expect(await sweep([2], 29)).toEqual({ pushed: [], cancelled: 0, shed: 0 });
    expect(await sweep([0, 1, 3], 1000)).toEqual({ pushed: [], cancelled: 0, shed: 0 });
    // Batches of two: the acknowledged pair is cancelled, then the other two pushed.
    expect(await sweep([2], 1030)).toEqual({ pushed: [1000, 1000], cancelled: 2, shed: 0 });
    expect(await sweep([2], 5000)).toEqual({ pushed: [], cancelled: 0, shed: 0 });
    await settled();
    expect(pushes.map((p) => p.notificationId)).toEqual([unacked.notificationId, alsoUnacked.notificationId]);
    expect(pushes[0]).toEqual({ ...unacked, fallback: undefined, createdAt: new Date(unacked.createdAt).toISOString() });
    expect(pushes[0]!.fallback).toBeUndefined();
    expect(statuses.filter((s) => s.channel === 'push').map((s) => [s.notificationId, s.status, s.reason])).toEqual([
      [unacked.notificationId, 'routed', 'not acknowledged within 30 ms: push fallback'],
      [alsoUnacked.notificationId, 'routed', 'not acknowledged within 30 ms: push fallback'],
    ]);
  });
});

describe('push fallback sweeper', () => {
  it('after the store failed, waits before pushing, so the acks the outage refused land first; then pushes what is still unacknowledged', async () => {
    const fallback = { channel: 'push' as const, afterMs: 30 };
    const acked = notification('erin', { fallback });
    const unacked = notification('erin', { fallback });
    const erin = connect('erin');
    await deliverNotifications(deps, [acked, unacked], 2);
    await erin.feed.idle();
    let storeDown = true;
    let clock = Date.parse('2026-12-01T10:00:01Z');
    const inbox = new Proxy(store.inbox, {
      get(target, property) {
        if (property === 'claimDueFallbacks' && storeDown) return () => Promise.reject(new Error('connection closed (the database restarts)'));
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const sweeper = new FallbackSweeper({ ...deps, inbox, now: () => new Date(clock) }, { intervalMs: 60_000, partitions: () => [2], logger: silentLogger(), afterStoreOutageMs: 10_000, now: () => clock });

    await sweeper.sweepOnce(); // fails: the store is away
    storeDown = false;
    clock += 2000;
    await sweeper.sweepOnce(); // the store is back, but the clients' ack retries are not in yet
    await store.inbox.recordStates('erin', [acked.notificationId], 'delivered');
    clock += 9000;
    await sweeper.sweepOnce();
    await settled();
    expect(pushes.map((p) => p.notificationId)).toEqual([unacked.notificationId]);
  });
});

describe('changeState', () => {
  it('records a request with one write, answers for what moved, and ignores ids of other users or unknown ones', async () => {
    const erin = connect('erin');
    const mine = [notification('erin'), notification('erin')];
    const theirs = notification('frank');
    await deliverNotifications(deps, [...mine, theirs], 0);
    await erin.feed.idle();
    const ids = [...mine.map((x) => x.notificationId), theirs.notificationId, 'nothing'];
    expect(await changeState(deps, 'erin', ids, 'read', 'c-erin')).toEqual({ updated: 2 });
    expect(await changeState(deps, 'erin', ids, 'read', 'c-erin')).toEqual({ updated: 0 });
    expect((await store.inbox.get('frank', theirs.notificationId))?.state).toBe('sent');
    expect(erin.unread.at(-1)).toBe(0);
    await settled();
    expect(statuses.filter((s) => s.status === 'read').map((s) => s.notificationId)).toEqual(mine.map((x) => x.notificationId));
  });
});
