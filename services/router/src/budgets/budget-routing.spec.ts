import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Rule, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { RuleSet } from '../rules/compile';
import { routeEvents, type IntakeMessage, type RouteEventDeps } from '../usecases/route-event';

const rule = (ruleId: string, order: number, definition: unknown): Rule => ({ ruleId, name: ruleId, enabled: true, order, definition: definition as Record<string, unknown>, revision: 1, createdAt: new Date(), updatedAt: new Date(), updatedBy: 'ops' });
const budget = (shedTo: 'inbox' | 'digest' = 'inbox') => ({ category: 'promotions', pushesPerDay: 3, shedTo });
const rules = (shedTo: 'inbox' | 'digest' = 'inbox') =>
  RuleSet.compile([
    rule('promos', 1, { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', channels: { mode: 'push_only' }, budget: budget(shedTo) } }),
    rule('orders', 2, { match: { types: ['order.*'] }, outcome: { priority: 'transactional', channels: { mode: 'push_only' }, budget: budget(shedTo) } }),
  ]);
const event = (id: string, type = 'promo.offer', userId = 'alice'): NotifyEvent => ({ version: 1, id, type, to: { userId }, payload: { title: id }, createdAt: new Date().toISOString() });
const messages = (...events: NotifyEvent[]): IntakeMessage[] => events.map((e, i) => ({ event: e, source: `notify.events.bulk/0/${i}` }));

let bus: MemoryBus;
let store: Store;
const seen = { inapp: [] as Notification[], pushed: [] as string[], status: [] as DeliveryStatus[] };
beforeEach(async () => {
  bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
  await bus.start();
  store = createMemoryStore();
  seen.inapp = [];
  seen.pushed = [];
  seen.status = [];
  await bus.subscribe(topics.deliverInapp, { groupId: 't' }, async (m) => void seen.inapp.push(m.value));
  await bus.subscribe(topics.deliverPushBulk, { groupId: 't' }, async (m) => void seen.pushed.push(m.value.notificationId));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 't' }, async (m) => void seen.pushed.push(m.value.notificationId));
  await bus.subscribe(topics.deliveryStatus, { groupId: 't' }, async (m) => void seen.status.push(m.value));
});
afterEach(async () => {
  await bus.stop();
});

const deps = (ruleSet = rules()): RouteEventDeps => ({ bus, lane: 'bulk', rules: ruleSet, idempotency: store.idempotency, digests: store.digests, preferences: store.preferences, isOnline: () => false, topics: store.topics, budgets: store.budgets });
const shed = () => seen.status.filter((s) => s.status === 'shed_budget');

describe('daily budget in routing', () => {
  it('pushes three of five marketing notifications, sheds two to the inbox, and still pushes and counts a transactional one', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    await routeEvents(deps(), messages(event('m1'), event('m2'), event('m3'), event('m4'), event('m5'), event('o1', 'order.paid')), now);
    await waitFor('every decision', () => seen.status.length === 6);
    expect(seen.pushed.sort()).toEqual(['m1:alice', 'm2:alice', 'm3:alice', 'o1:alice']);
    expect(shed().map((s) => s.notificationId)).toEqual(['m4:alice', 'm5:alice']);
    expect(shed()[0]).toMatchObject({ detail: { budget: 'promotions', limit: 3, spent: 3, day: '2026-12-02', shedTo: 'inbox', ruleId: 'promos' } });
    // Shed to the inbox: the in-app copy, without a push fallback.
    expect(seen.inapp.map((n) => [n.notificationId, n.fallback])).toEqual([
      ['m4:alice', undefined],
      ['m5:alice', undefined],
    ]);
    expect(await store.budgets.spent('alice', '2026-12-02')).toEqual([{ budget: 'promotions', channel: 'push', count: 4 }]);
  });

  it('does not count an event read again (a replay after a rebalance), and decides it as before', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    const batch = messages(event('m1'), event('m2'), event('m3'), event('m4'));
    await routeEvents(deps(), batch, now);
    await waitFor('first decisions', () => seen.status.length === 4);
    await routeEvents(deps(), batch, now);
    await waitFor('decided again', () => seen.status.length === 8);
    expect(await store.budgets.spent('alice', '2026-12-02')).toEqual([{ budget: 'promotions', channel: 'push', count: 3 }]);
    expect(shed().map((s) => s.notificationId)).toEqual(['m4:alice', 'm4:alice']);
    // One more, new, event is over the budget too.
    await routeEvents(deps(), messages(event('m9')).map((m) => ({ ...m, source: 'notify.events.bulk/0/9' })), now);
    await waitFor('the new one', () => seen.status.length === 9);
    expect(shed().at(-1)!.notificationId).toBe('m9:alice');
  });

  it('starts again at the user’s local midnight, and honours their own number', async () => {
    await store.preferences.upsert('alice', { timeZone: 'Europe/Paris', budgets: [{ category: 'promotions', pushesPerDay: 1 }] });
    // 22:30 UTC is 23:30 in Paris: still the 2nd there.
    await routeEvents(deps(), messages(event('m1'), event('m2')), new Date('2026-12-02T22:30:00Z'));
    await waitFor('evening', () => seen.status.length === 2);
    expect(seen.pushed).toEqual(['m1:alice']);
    // 23:05 UTC is past midnight in Paris: a new day, a new budget (it would still be the 2nd in UTC).
    await routeEvents(deps(), messages(event('m3'), event('m4')).map((m, i) => ({ ...m, source: `notify.events.bulk/0/${10 + i}` })), new Date('2026-12-02T23:05:00Z'));
    await waitFor('after midnight', () => seen.status.length === 4);
    expect(seen.pushed).toEqual(['m1:alice', 'm3:alice']);
    expect(shed().map((s) => [s.notificationId, s.detail?.['day']])).toEqual([
      ['m2:alice', '2026-12-02'],
      ['m4:alice', '2026-12-03'],
    ]);
  });

  it('sheds into the budget’s digest, sent at the user’s next midnight', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    await routeEvents(deps(rules('digest')), messages(event('m1'), event('m2'), event('m3'), event('m4')), now);
    await waitFor('every decision', () => seen.status.length === 4);
    expect(shed()[0]).toMatchObject({ notificationId: 'm4:alice', detail: { shedTo: 'digest', sendAt: '2026-12-03T00:00:00.000Z' } });
    expect(seen.inapp).toEqual([]);
    const due = await store.digests.due(new Date('2026-12-03T00:00:01Z'), 10);
    expect(due.map((b) => [b.userId, b.digestKey])).toEqual([['alice', 'budget:promotions']]);
  });

  it('keeps users apart', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    await routeEvents(deps(), messages(event('a1'), event('a2'), event('a3'), event('a4'), event('b1', 'promo.offer', 'bob')), now);
    await waitFor('every decision', () => seen.status.length === 5);
    expect(shed().map((s) => s.notificationId)).toEqual(['a4:alice']);
    expect(seen.pushed).toContain('b1:bob');
  });

  it('gives an in-app notification’s push fallback the budget resolved for its user (their number, their zone); a transactional one always passes', async () => {
    await store.preferences.upsert('alice', { timeZone: 'Asia/Tokyo', budgets: [{ category: 'promotions', pushesPerDay: 1 }] });
    const inApp = RuleSet.compile([
      rule('news', 1, { match: { types: ['news.*'] }, outcome: { priority: 'normal', channels: { mode: 'inapp_then_push', pushAfterMs: 30000 }, budget: budget() } }),
      rule('receipts', 2, { match: { types: ['receipt.*'] }, outcome: { priority: 'transactional', channels: { mode: 'inapp_then_push', pushAfterMs: 30000 }, budget: budget() } }),
    ]);
    const online = { ...deps(inApp), isOnline: () => true };
    await routeEvents(online, messages(event('n1', 'news.post'), event('r1', 'receipt.sent'), event('n2', 'news.post', 'bob')), new Date('2026-12-02T10:00:00Z'));
    await waitFor('every notification in-app', () => seen.inapp.length === 3);
    expect(Object.fromEntries(seen.inapp.map((n) => [n.notificationId, n.fallback]))).toEqual({
      'n1:alice': { channel: 'push', afterMs: 30000, budget: { category: 'promotions', limit: 1, timeZone: 'Asia/Tokyo', ruleId: 'news' } },
      'r1:alice': { channel: 'push', afterMs: 30000, budget: { category: 'promotions', limit: null, timeZone: 'Asia/Tokyo', ruleId: 'receipts' } },
      'n2:bob': { channel: 'push', afterMs: 30000, budget: { category: 'promotions', limit: 3, timeZone: 'UTC', ruleId: 'news' } },
    });
    // Nothing is counted yet: the fallbacks are counted by the gateway, if and when they are pushed.
    expect(await store.budgets.spent('alice', '2026-12-02')).toEqual([]);
    expect(seen.pushed).toEqual([]);
  });
});
