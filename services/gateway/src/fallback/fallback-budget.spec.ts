import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type DeliveryStatus, type FallbackBudget, type Notification, type PriorityClass } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type InboxItem, type Store } from '@notify/store';
import { LocalConnections } from '../connections/local-connections';
import { GatewayDirectory } from '../presence/gateway-directory';
import { RelayClient } from '../relay/relay-client';
import { UserFanOut } from '../relay/user-fan-out';
import { deliverNotifications, type DeliverNotificationDeps } from '../usecases/deliver-notification';
import { pushDueFallbacks } from '../usecases/push-due-fallbacks';
import { fallbackBudgetRequest, shedFallbackStatus, spendFallbackBudgets } from './fallback-budget';

const start = Date.parse('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(start + ms);
const promotions = (limit: number | null, timeZone = 'UTC'): FallbackBudget => ({ category: 'promotions', limit, timeZone, ruleId: 'offers' });

let n = 0;
function item(userId: string, budget: FallbackBudget | undefined, priority: PriorityClass = 'normal'): InboxItem {
  const id = `n${++n}:${userId}`;
  return {
    notificationId: id,
    userId,
    eventId: `e${n}`,
    type: 'offer.new',
    priority,
    content: { title: `offer ${n}`, data: {} },
    createdAt: at(0),
    seq: n,
    state: 'sent',
    fallback: { dueAt: at(30_000), partition: 0, afterMs: 30_000, ...(budget ? { budget } : {}) },
  };
}

describe('the budget of a due push fallback', () => {
  let store: Store;
  beforeEach(() => {
    store = createMemoryStore();
  });

  it('asks for a unit of the budget the router resolved, on the user’s local day when it is due, under the notification’s own key', () => {
    // 23:30 UTC on the 1st is the 2nd in Tokyo: a fallback due then counts on the Tokyo day.
    const late = new Date('2026-12-01T23:30:00Z');
    expect(fallbackBudgetRequest(item('ann', promotions(2, 'Asia/Tokyo')), late)).toMatchObject({ userId: 'ann', day: '2026-12-02', budget: 'promotions', channel: 'push', limit: 2, mayHoldOne: true });
    expect(fallbackBudgetRequest(item('ann', promotions(2)), late)).toMatchObject({ day: '2026-12-01' });
    expect(fallbackBudgetRequest(item('ann', promotions(2, 'Not/AZone')), late)).toMatchObject({ day: '2026-12-01' });
    expect(fallbackBudgetRequest(item('ann', undefined), late)).toBeNull();
  });

  it('pushes while the budget lasts and sheds the rest; critical and transactional pass and still count; fallbacks without a budget take nothing', async () => {
    const first = item('bob', promotions(1));
    const second = item('bob', promotions(1));
    const payment = item('bob', promotions(null), 'transactional');
    const unbudgeted = item('bob', undefined);
    const { push, shed } = await spendFallbackBudgets(store.budgets, [first, second, payment, unbudgeted], at(30_000));
    expect(push.map((i) => i.notificationId)).toEqual([first, payment, unbudgeted].map((i) => i.notificationId));
    expect(shed.map((s) => [s.item.notificationId, s.spent])).toEqual([[second.notificationId, 1]]);
    expect(await store.budgets.spent('bob', '2026-12-01')).toEqual([{ budget: 'promotions', channel: 'push', count: 2 }]);
  });

  it('a sweep repeated after a crash, or a second gateway taking the claim over, finds the unit the notification holds: counted once, pushed again', async () => {
    const first = item('cid', promotions(1));
    const second = item('cid', promotions(1));
    expect((await spendFallbackBudgets(store.budgets, [first], at(30_000))).push).toHaveLength(1);
    // The same fallback again (its claim's lease ran out before it was cleared), with a newer one of the same user.
    const again = await spendFallbackBudgets(store.budgets, [first, second], at(90_000));
    expect(again.push.map((i) => i.notificationId)).toEqual([first.notificationId]);
    expect(again.shed.map((s) => s.item.notificationId)).toEqual([second.notificationId]);
    expect(await store.budgets.spent('cid', '2026-12-01')).toEqual([{ budget: 'promotions', channel: 'push', count: 1 }]);
  });

  it('draws on the same count as the router’s pushes of the budget', async () => {
    // The router counted one push of "promotions" for dee today (its own notification id).
    await store.budgets.take([{ userId: 'dee', day: '2026-12-01', budget: 'promotions', channel: 'push', notificationId: 'routed:dee', limit: 1, expiresAt: at(86_400_000) }]);
    const { push, shed } = await spendFallbackBudgets(store.budgets, [item('dee', promotions(1))], at(30_000));
    expect(push).toEqual([]);
    expect(shed).toHaveLength(1);
  });

  it('says on the trail which budget, the limit, the spend, the user’s day and zone, and that it stays in the inbox', async () => {
    const shedOne = item('eve', promotions(0, 'Europe/Paris'));
    const [shed] = (await spendFallbackBudgets(store.budgets, [shedOne], at(30_000))).shed;
    expect(shedFallbackStatus(shed!, at(30_000), 'g1')).toEqual({
      version: 1,
      eventId: shedOne.eventId,
      eventType: 'offer.new',
      notificationId: shedOne.notificationId,
      userId: 'eve',
      status: 'shed_budget',
      channel: 'push',
      reason: 'budget "promotions" spent: 0 of 0 pushes on 2026-12-01 (Europe/Paris); not acknowledged within 30000 ms, kept in the inbox without its push fallback',
      service: 'gateway',
      at: at(30_000).toISOString(),
      detail: { budget: 'promotions', limit: 0, spent: 0, day: '2026-12-01', timeZone: 'Europe/Paris', shedTo: 'inbox', fallback: true, gatewayId: 'g1', ruleId: 'offers' },
    } satisfies DeliveryStatus);
  });
});

describe('pushDueFallbacks with budgets', () => {
  let store: Store;
  let bus: MemoryBus;
  let deps: DeliverNotificationDeps & { budgets: Store['budgets'] };
  let statuses: DeliveryStatus[];
  let pushes: Notification[];
  const settled = () => new Promise((r) => setTimeout(r, 20));

  beforeEach(async () => {
    store = createMemoryStore();
    bus = new MemoryBus({ service: 'gateway', logger: silentLogger(), metrics: createMetricsRegistry('gateway', { processMetrics: false }) });
    await bus.start();
    statuses = [];
    pushes = [];
    await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void statuses.push(m.value));
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push(m.value));
    const fanOut = new UserFanOut('g1', new LocalConnections(), new GatewayDirectory(() => null), new RelayClient('secret', silentLogger()));
    deps = { bus, inbox: store.inbox, budgets: store.budgets, fanOut, gatewayId: 'g1', now: () => at(0) };
  });
  afterEach(() => bus.stop());

  const notification = (userId: string, priority: PriorityClass, budget: FallbackBudget): Notification => ({
    version: 1,
    notificationId: `p${++n}:${userId}`,
    eventId: `p${n}`,
    userId,
    type: 'offer.new',
    priority,
    content: { title: `offer ${n}`, data: {} },
    createdAt: at(0).toISOString(),
    fallback: { channel: 'push', afterMs: 1000, budget },
  });

  it('pushes the counted ones, keeps the shed one in the inbox with its fallback done with, and writes its shed_budget step', async () => {
    const one = notification('fay', 'normal', promotions(1));
    const two = notification('fay', 'normal', promotions(1));
    const payment = notification('fay', 'transactional', promotions(null));
    await deliverNotifications(deps, [one, two, payment], 0);
    expect((await store.inbox.get('fay', two.notificationId))!.fallback!.budget).toEqual(promotions(1));

    const result = await pushDueFallbacks({ ...deps, now: () => at(1000) }, [0], { batchSize: 10, leaseMs: 60_000 });
    expect(result).toEqual({ pushed: [0, 0], cancelled: 0, shed: 1 });
    // Swept again: nothing is due any more, nothing is counted twice.
    expect(await pushDueFallbacks({ ...deps, now: () => at(120_000) }, [0], { batchSize: 10, leaseMs: 60_000 })).toEqual({ pushed: [], cancelled: 0, shed: 0 });
    await settled();
    expect(pushes.map((p) => p.notificationId)).toEqual([one.notificationId, payment.notificationId]);
    const kept = await store.inbox.get('fay', two.notificationId);
    expect(kept).toMatchObject({ state: 'sent' });
    expect(kept!.fallback).toBeUndefined();
    expect(statuses.filter((s) => s.channel === 'push').map((s) => [s.notificationId, s.status, s.service])).toEqual([
      [one.notificationId, 'routed', 'gateway'],
      [payment.notificationId, 'routed', 'gateway'],
      [two.notificationId, 'shed_budget', 'gateway'],
    ]);
    expect(await store.budgets.spent('fay', '2026-12-01')).toEqual([{ budget: 'promotions', channel: 'push', count: 2 }]);
  });

  it('without a budget repository, every due fallback is pushed as before', async () => {
    const one = notification('gus', 'normal', promotions(0));
    await deliverNotifications(deps, [one], 0);
    const { budgets: _none, ...withoutBudgets } = deps;
    expect(await pushDueFallbacks({ ...withoutBudgets, now: () => at(1000) }, [0], { batchSize: 10, leaseMs: 60_000 })).toEqual({ pushed: [0], cancelled: 0, shed: 0 });
  });
});
