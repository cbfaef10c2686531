import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMongoStore, type MongoStore } from '@notify/store';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders as admin, producerHeaders as producer, routerEnv, startRouter } from '../../test/router-process';
import { localDay } from './local-day';

/**
 * Daily budgets on the real data path: two router processes in one consumer group on real Kafka,
 * their units in the MongoDB-wire server, preferences through the API and preferences.state.
 */
const routers: Array<{ base: string; process: ServiceProcess }> = [];
let observer: KafkaBus;
let store: MongoStore;
const seen = { pushed: [] as Notification[], inapp: [] as Notification[], status: [] as DeliveryStatus[] };

const event = (id: string, type: string, to: Record<string, unknown>) => ({ version: 1, id, type, to, payload: { title: id }, createdAt: new Date().toISOString() });
const post = (base: string, path: string, body: unknown, headers = producer, method = 'POST') => fetch(`${base}${path}`, { method, headers, body: JSON.stringify(body) });
// At least once on the wire: a rebalance may deliver a step twice, so each notification is taken once.
const once = <T extends { notificationId?: string }>(list: T[]) => [...new Map(list.map((x) => [x.notificationId, x])).values()];
const pushedTo = (userId: string) => once(seen.pushed.filter((n) => n.userId === userId));
const shedFor = (userId: string) => once(seen.status.filter((s) => s.userId === userId && s.status === 'shed_budget'));
const inboxOf = (userId: string) => once(seen.inapp.filter((n) => n.userId === userId));
const decidedFor = (userId: string) => pushedTo(userId).length + shedFor(userId).length;
const spentBy = async (userId: string) => (await (await fetch(`${routers[0]!.base}/v1/users/${userId}/budgets`, { headers: producer })).json()) as { day: string; timeZone: string; spent: Array<{ budget: string; count: number }> };
const metricOf = async (base: string, line: RegExp) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text.split('\n').filter((l) => line.test(l)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
};

// A time zone whose calendar day is not UTC's right now: 14 hours ahead from 10:00 UTC on, 11 hours behind before 11:00 UTC.
const awayZone = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
const users = Array.from({ length: 10 }, (_, i) => `shared-${i}`);

beforeAll(async () => {
  const env = await routerEnv('budgets');
  store = await createMongoStore({ url: env.MONGO_URL! });
  observer = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'observer', service: 'observer', topicPrefix: env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry('o', { processMetrics: false }), provision: [] });
  routers.push(await startRouter(env));
  await observer.start();
  await observer.subscribe(topics.deliverPushBulk, { groupId: 'observer' }, async (m) => void seen.pushed.push(m.value));
  await observer.subscribe(topics.deliverPushTransactional, { groupId: 'observer' }, async (m) => void seen.pushed.push(m.value));
  await observer.subscribe(topics.deliverInapp, { groupId: 'observer' }, async (m) => void seen.inapp.push(m.value));
  await observer.subscribe(topics.deliveryStatus, { groupId: 'observer', partitionsConcurrently: 8 }, async (m) => void seen.status.push(m.value));

  const budget = { category: 'promotions', pushesPerDay: 3 };
  const rules = [
    { ruleId: 'promos', name: 'Promotions, three pushes a day', order: 1, definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', channels: { mode: 'push_only' }, budget } } },
    { ruleId: 'orders', name: 'Orders count against it too', order: 2, definition: { match: { types: ['order.*'] }, outcome: { priority: 'transactional', channels: { mode: 'push_only' }, budget } } },
  ];
  for (const rule of rules) expect((await post(routers[0]!.base, '/v1/admin/rules', rule, admin)).status).toBe(201);
  // Users' own settings, given before the second router starts: it catches up on preferences.state before it routes.
  expect((await post(routers[0]!.base, '/v1/users/frugal/preferences', { budgets: [{ category: 'promotions', pushesPerDay: 1 }] }, producer, 'PATCH')).status).toBe(200);
  expect((await post(routers[0]!.base, '/v1/users/away/preferences', { timeZone: awayZone }, producer, 'PATCH')).status).toBe(200);
  routers.push(await startRouter(env));
  for (const { base } of routers) {
    await waitFor(`${base} to load both rules`, async () => ((await (await fetch(`${base}/v1/admin/rules`, { headers: admin })).json()) as { loaded: { version: string } }).loaded.version.split(',').length === 2, { timeoutMs: 30_000 });
    await waitFor(`${base} to hold both users' preferences`, async () => (await metricOf(base, /^notify_router_preferences_view_users[ {]/)) === 2, { timeoutMs: 30_000 });
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(routers.map((r) => r.process.stop('SIGKILL')));
  await observer?.stop();
  await store?.close();
});

describe('daily budgets on real Kafka and the MongoDB-wire server', () => {
  it('pushes three of five marketing notifications, sheds two to the inbox with shed_budget, and still pushes and counts a transactional one', async () => {
    const promos = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => event(`alice-${id}`, 'promo.offer', { userId: 'alice' }));
    expect((await post(routers[0]!.base, '/v1/events', { events: promos })).status).toBe(202);
    await waitFor('five decisions', () => decidedFor('alice') === 5, { timeoutMs: 30_000 });
    expect(pushedTo('alice').map((n) => n.eventId)).toEqual(['alice-p1', 'alice-p2', 'alice-p3']);
    expect(shedFor('alice').map((s) => s.notificationId)).toEqual(['alice-p4:alice', 'alice-p5:alice']);
    expect(shedFor('alice')[0]).toMatchObject({ channel: 'push', reason: expect.stringContaining('budget "promotions" spent: 3 of 3 pushes'), detail: { budget: 'promotions', limit: 3, spent: 3, shedTo: 'inbox', ruleId: 'promos' } });
    await waitFor('the shed ones in the inbox lane', () => inboxOf('alice').length === 2);
    expect(inboxOf('alice').map((n) => [n.eventId, n.fallback])).toEqual([
      ['alice-p4', undefined],
      ['alice-p5', undefined],
    ]);

    expect((await post(routers[1]!.base, '/v1/events', event('alice-order', 'order.paid', { userId: 'alice' }))).status).toBe(202);
    await waitFor('the order pushed', () => pushedTo('alice').some((n) => n.eventId === 'alice-order'), { timeoutMs: 30_000 });
    expect(await spentBy('alice')).toMatchObject({ day: localDay(new Date(), 'UTC'), timeZone: 'UTC', spent: [{ budget: 'promotions', channel: 'push', count: 4 }] });
  }, 60_000);

  it('counts right when two routers share the load, and the same users’ events race on two partitions', async () => {
    // Three direct events per user (each user's partition) and two to all of them at once (another partition each):
    // one user's budget is taken by whichever routers own those partitions, at the same time.
    const events = [
      ...users.flatMap((userId) => ['d1', 'd2', 'd3'].map((id) => event(`${userId}-${id}`, 'promo.offer', { userId }))),
      event('all-1', 'promo.flash', { userIds: users }),
      event('all-2', 'promo.flash', { userIds: users }),
    ];
    expect((await post(routers[0]!.base, '/v1/events', { events })).status).toBe(202);
    await waitFor('five decisions per user', () => users.every((u) => decidedFor(u) === 5), { timeoutMs: 30_000 });
    for (const userId of users) {
      expect(pushedTo(userId), userId).toHaveLength(3);
      expect(shedFor(userId), userId).toHaveLength(2);
      expect((await spentBy(userId)).spent, userId).toEqual([{ budget: 'promotions', channel: 'push', count: 3 }]);
    }
    // Both routers did part of it.
    for (const { base } of routers) expect(await metricOf(base, /^notify_rule_hits_total\{.*rule="promos"/)).toBeGreaterThan(0);
  }, 60_000);

  it('honours a user’s own number', async () => {
    const promos = ['p1', 'p2', 'p3'].map((id) => event(`frugal-${id}`, 'promo.offer', { userId: 'frugal' }));
    expect((await post(routers[1]!.base, '/v1/events', { events: promos })).status).toBe(202);
    await waitFor('three decisions', () => decidedFor('frugal') === 3, { timeoutMs: 30_000 });
    expect(pushedTo('frugal').map((n) => n.eventId)).toEqual(['frugal-p1']);
    expect(shedFor('frugal')[0]).toMatchObject({ detail: { limit: 1, spent: 1 } });
  }, 60_000);

  it('counts per the user’s local day: units of the UTC day do not spend the budget of a user whose day is another', async () => {
    // Three units already spent on today's UTC date, for a user in UTC and for one whose calendar is a day away.
    const utcDay = localDay(new Date(), 'UTC');
    const spent = (userId: string) => ['x1', 'x2', 'x3'].map((id) => ({ userId, day: utcDay, budget: 'promotions', channel: 'push' as const, notificationId: `${id}:${userId}`, limit: 3, expiresAt: new Date(Date.now() + 86_400_000) }));
    expect((await store.budgets.take([...spent('homebody'), ...spent('away')])).every((o) => o.counted)).toBe(true);
    const events = ['homebody', 'away'].map((userId) => event(`${userId}-p1`, 'promo.offer', { userId }));
    expect((await post(routers[0]!.base, '/v1/events', { events })).status).toBe(202);
    await waitFor('both decided', () => decidedFor('homebody') === 1 && decidedFor('away') === 1, { timeoutMs: 30_000 });
    expect(shedFor('homebody')[0]).toMatchObject({ detail: { day: utcDay, spent: 3 } });
    expect(pushedTo('away').map((n) => n.eventId)).toEqual(['away-p1']);
    const away = await spentBy('away');
    expect(away.day).not.toBe(utcDay);
    expect(away).toMatchObject({ day: localDay(new Date(), awayZone), timeZone: awayZone, spent: [{ budget: 'promotions', channel: 'push', count: 1 }] });
  }, 60_000);
});
