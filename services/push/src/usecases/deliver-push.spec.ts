import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type DeliveryStatus, type DeviceChange, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type IdempotencyRepository, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { DeviceCache } from '../devices/device-cache';
import { DeviceDirectory } from '../devices/device-directory';
import type { PushMessage, PushSender, SendOutcome } from '../senders/push-sender';
import { deliverPushBatch, type DeliverPushDeps } from './deliver-push';

/** A provider that records what it was asked to send and answers as the test scripts it. */
class ScriptedSender implements PushSender {
  sent: Array<{ token: string; notificationId: string; badge?: number }> = [];
  answer: (message: PushMessage) => SendOutcome | Promise<SendOutcome> = () => ({ status: 'sent' });
  constructor(readonly provider: 'apns' | 'fcm') {}
  async send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    return Promise.all(
      messages.map(async (m) => {
        this.sent.push({ token: m.device.token, notificationId: m.notification.notificationId, ...(m.badge === undefined ? {} : { badge: m.badge }) });
        return this.answer(m);
      }),
    );
  }
  async close(): Promise<void> {}
}

let store: Store;
let bus: MemoryBus;
let apns: ScriptedSender;
let fcm: ScriptedSender;
let statuses: DeliveryStatus[];
let changes: DeviceChange[];
let storeReads: string[];
let doneReads: number;
let deps: DeliverPushDeps;
let sleeping: Array<() => void>;

beforeEach(async () => {
  store = createMemoryStore();
  bus = new MemoryBus({ service: 'push', logger: silentLogger(), metrics: createMetricsRegistry('push', { processMetrics: false }) });
  await bus.start();
  statuses = [];
  changes = [];
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void statuses.push(m.value));
  await bus.subscribe(topics.deviceChanges, { groupId: 'test-changes' }, async (m) => void changes.push(m.value));
  apns = new ScriptedSender('apns');
  fcm = new ScriptedSender('fcm');
  storeReads = [];
  doneReads = 0;
  sleeping = [];
  const cache = new DeviceCache({
    load: (userId) => (storeReads.push(userId), store.devices.listActive(userId)),
    loadMany: (userIds) => (storeReads.push(userIds.join(',')), store.devices.listActiveMany(userIds)),
    maxUsers: 100,
    maxAgeMs: 60_000,
  });
  // Counts the reads of done marks: a first delivery should make none.
  const idempotency: IdempotencyRepository = {
    claim: (...a) => store.idempotency.claim(...a),
    claimMany: (...a) => store.idempotency.claimMany(...a),
    holderOf: (...a) => store.idempotency.holderOf(...a),
    isClaimed: (...a) => (doneReads++, store.idempotency.isClaimed(...a)),
    release: (...a) => store.idempotency.release(...a),
    sweepExpired: (...a) => store.idempotency.sweepExpired(...a),
  };
  deps = {
    bus,
    devices: new DeviceDirectory(store.devices, cache, bus),
    inbox: store.inbox,
    idempotency,
    senders: { apns, fcm },
    lane: 'transactional',
    retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 100 },
    // Backoff waits until the test lets it go.
    sleep: () => new Promise<void>((resolve) => sleeping.push(resolve)),
  };
});
afterEach(() => bus.stop());

const register = (userId: string, token: string, platform: 'ios' | 'android' = 'android') => store.devices.register({ token, userId, platform, appId: 'com.example.app', environment: 'sandbox' });
let counter = 0;
const notification = (userId: string, extra: Partial<Notification> = {}): Notification => ({
  version: 1,
  notificationId: `n${++counter}:${userId}`,
  eventId: `e${counter}`,
  userId,
  type: 'payment.succeeded',
  priority: 'transactional',
  content: { title: 'Paid', body: `Payment ${counter}`, data: {} },
  createdAt: new Date().toISOString(),
  ...extra,
});
const outcomeOf = (n: Notification) => statuses.filter((s) => s.notificationId === n.notificationId).map((s) => s.status);

describe('deliverPushBatch', () => {
  it('keeps trying to store the done marks of what it pushed while the store fails, so a redelivery pushes nothing twice', async () => {
    await register('dora', 'tok-dora-phone-001');
    let failures = 3;
    const flaky: IdempotencyRepository = {
      ...deps.idempotency,
      claimMany: (scope, claims) => (scope === 'push' && failures-- > 0 ? Promise.reject(new Error('connection closed (the database restarts)')) : deps.idempotency.claimMany(scope, claims)),
    };
    const waits: number[] = [];
    const n = notification('dora');
    await deliverPushBatch({ ...deps, idempotency: flaky, sleep: async (ms) => void waits.push(ms) }, [n]);
    expect(waits).toHaveLength(3);
    // Delivered again (a rebalance, a restart): the mark is there, so the phone gets it once.
    await deliverPushBatch(deps, [n]);
    expect(fcm.sent.map((s) => s.notificationId)).toEqual([n.notificationId]);
    await waitFor('sent, then the duplicate', () => outcomeOf(n).join() === 'sent,duplicate');
  });

  it('pushes a first delivery without reading any done mark, and a redelivery to no device twice', async () => {
    await register('alice', 'tok-alice-phone-01', 'ios');
    await register('alice', 'tok-alice-tablet-1');
    const n = notification('alice');
    await deliverPushBatch(deps, [n]);
    expect(apns.sent.length + fcm.sent.length).toBe(2);
    expect(doneReads).toBe(0);
    await waitFor('two sent', () => outcomeOf(n).length === 2);

    await deliverPushBatch(deps, [n]);
    expect(apns.sent.length + fcm.sent.length).toBe(2);
    expect(doneReads).toBe(2);
    await waitFor('the duplicate', () => outcomeOf(n).includes('duplicate'));
  });

  it('pushes a redelivered notification only to the devices it has not reached', async () => {
    await register('bob', 'tok-bob-phone-0001');
    const n = notification('bob');
    await deliverPushBatch(deps, [n]);
    // A device registered through the directory in between (so the cache hears of it).
    const directory = deps.devices as DeviceDirectory;
    await directory.listActive('bob');
    await directory.register({ token: 'tok-bob-tablet-001', userId: 'bob', platform: 'android', appId: 'com.example.app', environment: 'sandbox' });
    await deliverPushBatch(deps, [n]);
    expect(fcm.sent.map((s) => s.token)).toEqual(['tok-bob-phone-0001', 'tok-bob-tablet-001']);
  });

  it('reads each user’s devices once per slice, and not again for the next slice', async () => {
    await register('carol', 'tok-carol-phone-01');
    await deliverPushBatch(deps, [notification('carol'), notification('carol'), notification('carol')]);
    await deliverPushBatch(deps, [notification('carol')]);
    expect(storeReads).toEqual(['carol']);
    expect(fcm.sent).toHaveLength(4);
  });

  it('reads the devices of a slice’s new users with one store read, and the badges of its iOS users with one count', async () => {
    await register('erin', 'tok-erin-iphone-01', 'ios');
    await register('finn', 'tok-finn-iphone-01', 'ios');
    await register('gus', 'tok-gus-pixel-0001');
    await store.inbox.append({ notificationId: 'erin-unread-1', userId: 'erin', eventId: 'e-unread', type: 'order.shipped', priority: 'transactional', content: { title: 'Shipped', data: {} }, createdAt: new Date() });
    const unreadCounts = vi.spyOn(store.inbox, 'unreadCounts');
    await deliverPushBatch(deps, [notification('erin'), notification('finn'), notification('gus'), notification('erin')]);
    expect(storeReads).toEqual(['erin,finn,gus']);
    expect(unreadCounts).toHaveBeenCalledTimes(1);
    expect([...unreadCounts.mock.calls[0]![0]].sort()).toEqual(['erin', 'finn']);
    expect(apns.sent.map((s) => [s.token, s.badge])).toEqual([
      ['tok-erin-iphone-01', 1],
      ['tok-finn-iphone-01', 0],
      ['tok-erin-iphone-01', 1],
    ]);
    expect(fcm.sent.map((s) => [s.token, s.badge])).toEqual([['tok-gus-pixel-0001', undefined]]);
  });

  it('writes a slice’s done marks with one insert and its statuses with one publish, a retried device’s later with its own', async () => {
    for (const user of ['ida', 'jon', 'kim']) await register(user, `tok-${user}-phone-0001`);
    fcm.answer = (m) => (m.device.userId === 'kim' && m.attempt === 1 ? { status: 'retry', reason: 'UNAVAILABLE' } : { status: 'sent' });
    const claims = vi.spyOn(store.idempotency, 'claimMany');
    const publishes = vi.spyOn(bus, 'publish');
    const slice = deliverPushBatch(deps, [notification('ida'), notification('jon'), notification('kim')]);
    await waitFor('kim’s backoff', () => sleeping.length === 1);
    const doneWrites = () => claims.mock.calls.filter(([scope]) => scope === 'push').map(([, marks]) => marks.map((m) => m.key.split('|')[1]));
    expect(doneWrites()).toEqual([['tok-ida-phone-0001', 'tok-jon-phone-0001']]);
    expect(publishes.mock.calls.filter(([spec]) => spec === topics.deliveryStatus).map(([, messages]) => messages.length)).toEqual([2]);
    sleeping.shift()!();
    await slice;
    expect(doneWrites()).toEqual([['tok-ida-phone-0001', 'tok-jon-phone-0001'], ['tok-kim-phone-0001']]);
  });

  it('keeps one user’s notifications in order while a throttled device waits, and lets other users’ go on', async () => {
    await register('dave', 'tok-dave-phone-001');
    await register('erin', 'tok-erin-phone-001');
    let throttled = 1;
    fcm.answer = (m) => (m.device.userId === 'dave' && throttled-- > 0 ? { status: 'retry', reason: '429' } : { status: 'sent' });
    const [d1, d2, e1] = [notification('dave'), notification('dave'), notification('erin')];
    const slice = deliverPushBatch(deps, [d1, d2, e1]);
    await waitFor('dave’s first push to wait for its retry', () => sleeping.length === 1);
    // Erin's push went out while dave's first waits; dave's second has not jumped ahead of it.
    expect(fcm.sent.map((s) => s.notificationId)).toEqual(expect.arrayContaining([d1.notificationId, e1.notificationId]));
    expect(fcm.sent.map((s) => s.notificationId)).not.toContain(d2.notificationId);
    sleeping.shift()!();
    await slice;
    expect(fcm.sent.filter((s) => s.token === 'tok-dave-phone-001').map((s) => s.notificationId)).toEqual([d1.notificationId, d1.notificationId, d2.notificationId]);
    await waitFor('every status', () => statuses.length === 3);
    expect(statuses.find((s) => s.notificationId === d1.notificationId)?.detail).toMatchObject({ attempt: 2 });
  });

  it('finishes every other user’s notifications before it reports one user’s failure', async () => {
    await register('frank', 'tok-frank-phone-01');
    await register('gina', 'tok-gina-phone-001');
    fcm.answer = async (m) => {
      if (m.device.userId === 'frank') throw new Error('sender bug');
      await new Promise((r) => setTimeout(r, 50));
      return { status: 'sent' };
    };
    const [f, g] = [notification('frank'), notification('gina')];
    await expect(deliverPushBatch(deps, [f, g])).rejects.toThrow('sender bug');
    // Gina's push was done and marked before the slice failed: the retried slice will not push it again.
    fcm.answer = () => ({ status: 'sent' });
    await deliverPushBatch(deps, [f, g]);
    expect(fcm.sent.filter((s) => s.notificationId === g.notificationId)).toHaveLength(1);
    expect(fcm.sent.filter((s) => s.notificationId === f.notificationId)).toHaveLength(2);
    await waitFor('gina’s duplicate recognised', () => outcomeOf(g).includes('duplicate'));
    expect(outcomeOf(g)).toEqual(['sent', 'duplicate']);
  });

  it('reports expired notifications and users without devices without pushing', async () => {
    await register('hal', 'tok-hal-phone-0001');
    const expired = notification('hal', { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const nobody = notification('nobody');
    await deliverPushBatch(deps, [expired, nobody]);
    expect(fcm.sent).toEqual([]);
    await waitFor('both statuses', () => statuses.length === 2);
    expect(outcomeOf(expired)).toEqual(['expired']);
    expect(outcomeOf(nobody)).toEqual(['suppressed']);
  });

  it('deactivates a dead token, announces it, and pushes to it no more', async () => {
    await register('ivy', 'tok-ivy-dead-00001');
    fcm.answer = () => ({ status: 'invalid_token', reason: 'UNREGISTERED' });
    const n = notification('ivy');
    await deliverPushBatch(deps, [n]);
    expect(await store.devices.listActive('ivy')).toEqual([]);
    await waitFor('the change notice', () => changes.length === 1);
    expect(changes[0]).toMatchObject({ userId: 'ivy', change: 'deactivated', tokenSuffix: 'dead-00001'.slice(-8) });
    const next = notification('ivy');
    await deliverPushBatch(deps, [next]);
    expect(fcm.sent).toHaveLength(1);
    await waitFor('suppressed', () => outcomeOf(next).includes('suppressed'));
  });
});
