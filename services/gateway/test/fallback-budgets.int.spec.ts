import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import type { DeliveryStatus, FallbackBudget, Notification, PriorityClass } from '@notify/contracts';
import { budgetDay, createMongoStore, type MongoStore } from '@notify/store';
import { sleep, waitFor } from '@notify/testing';
import { deployment, metricValue, startGatewayProcess, topics, type ServiceUnderTest } from './gateway-processes';

/**
 * The push fallbacks of budgeted rules draw on the user's daily budget when they are due: a gateway
 * process on the real Kafka and MongoDB-wire server takes each unit through the same insert-only
 * store the router counts in, pushes what is counted and keeps the rest in the inbox with a
 * shed_budget step. Nobody is connected, so nothing is acknowledged.
 */
let env: Record<string, string>;
let bus: Bus;
let store: MongoStore;
let gateway: ServiceUnderTest;
const statuses: DeliveryStatus[] = [];
const pushes: Notification[] = [];

beforeAll(async () => {
  ({ env, bus } = await deployment('gw-fallback-budgets'));
  store = await createMongoStore({ url: env.MONGO_URL! });
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void statuses.push(m.value));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push(m.value));
  gateway = await startGatewayProcess(env, { GATEWAY_FALLBACK_SWEEP_INTERVAL_MS: '250' });
}, 120_000);

afterAll(async () => {
  await gateway?.process.stop('SIGKILL');
  await bus?.stop();
  await store?.close();
});

let counter = 0;
const budgeted = (userId: string, priority: PriorityClass, budget: FallbackBudget): Notification => {
  const n = ++counter;
  return { version: 1, notificationId: `b${n}:${userId}`, eventId: `b${n}`, userId, type: 'news.post', priority, content: { title: `post ${n}`, data: {} }, createdAt: new Date().toISOString(), fallback: { channel: 'push', afterMs: 1000, budget } };
};
const news = (limit: number | null): FallbackBudget => ({ category: 'news', limit, timeZone: 'UTC', ruleId: 'news' });
const pushesOf = (n: Notification) => pushes.filter((p) => p.notificationId === n.notificationId);
const stepsOf = (n: Notification) => statuses.filter((s) => s.notificationId === n.notificationId && s.channel === 'push').map((s) => s.status);

describe('budgeted push fallbacks', () => {
  it('a user with a budget of 1 and two unacknowledged notifications gets one fallback push and one shed_budget; a transactional one is still pushed and counted', async () => {
    const two = [budgeted('ivy', 'normal', news(1)), budgeted('ivy', 'normal', news(1))];
    const receipt = budgeted('ivy', 'transactional', news(null));
    await bus.publish(topics.deliverInapp, [...two, receipt].map((value) => ({ value })));

    await waitFor('every fallback decided', () => [...two, receipt].every((n) => stepsOf(n).length > 0), { timeoutMs: 30_000, intervalMs: 100 });
    await sleep(1500); // sweeps go on: room for a second push or a second count to show up
    const pushed = two.filter((n) => pushesOf(n).length > 0);
    const shed = two.filter((n) => stepsOf(n).includes('shed_budget'));
    expect(pushed.map((n) => pushesOf(n).length)).toEqual([1]);
    expect(shed).toHaveLength(1);
    expect(shed[0]).not.toBe(pushed[0]);
    expect(stepsOf(pushed[0]!)).toEqual(['routed']);
    expect(stepsOf(shed[0]!)).toEqual(['shed_budget']);
    expect(pushesOf(receipt)).toHaveLength(1);
    expect(stepsOf(receipt)).toEqual(['routed']);

    const day = budgetDay(new Date(), 'UTC');
    const step = statuses.find((s) => s.notificationId === shed[0]!.notificationId && s.status === 'shed_budget')!;
    expect(step).toMatchObject({ service: 'gateway', userId: 'ivy', detail: { budget: 'news', limit: 1, spent: 1, day, timeZone: 'UTC', shedTo: 'inbox', ruleId: 'news' } });
    // The shed one stays in the inbox, unread, its fallback done with.
    const kept = await store.inbox.get('ivy', shed[0]!.notificationId);
    expect(kept).toMatchObject({ state: 'sent' });
    expect(kept!.fallback).toBeUndefined();
    // Counted once each in the store the router counts in: the pushed one and the transactional one.
    expect(await store.budgets.spent('ivy', day)).toEqual([{ budget: 'news', channel: 'push', count: 2 }]);
    expect(await metricValue(gateway.base, 'notify_gateway_fallbacks_shed_total')).toBe(1);
  }, 60_000);

  it('a budget the router already spent today sheds the fallback', async () => {
    const day = budgetDay(new Date(), 'UTC');
    // The router pushed one "news" notification to jon today.
    await store.budgets.take([{ userId: 'jon', day, budget: 'news', channel: 'push', notificationId: 'routed1:jon', limit: 1, expiresAt: new Date(Date.now() + 86_400_000) }]);
    const late = budgeted('jon', 'normal', news(1));
    await bus.publish(topics.deliverInapp, [{ value: late }]);
    await waitFor('the fallback decided', () => stepsOf(late).length > 0, { timeoutMs: 30_000, intervalMs: 100 });
    await sleep(500);
    expect(stepsOf(late)).toEqual(['shed_budget']);
    expect(pushesOf(late)).toEqual([]);
    expect(await store.budgets.spent('jon', day)).toEqual([{ budget: 'news', channel: 'push', count: 1 }]);
  }, 60_000);
});
