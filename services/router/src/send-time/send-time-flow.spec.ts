import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type DeliveryStatus, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { RuleSet } from '../rules/compile';
import { routeEvent } from '../usecases/route-event';
import { localMinutes } from '../digests/digest-schedule';
import { consumeReadTimes } from './consume-read-times';

const DAY_MS = 24 * 60 * 60 * 1000;
let bus: MemoryBus;
let store: Store;
const batched: DeliveryStatus[] = [];
beforeEach(async () => {
  bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('b', { processMetrics: false }) });
  await bus.start();
  store = createMemoryStore();
  batched.length = 0;
  await bus.subscribe(topics.deliveryStatus, { groupId: 'watch' }, async (m) => void (m.value.status === 'batched' && batched.push(m.value)));
});
afterEach(async () => {
  await bus.stop();
});

const now = new Date('2026-12-02T03:00:00Z'); // 12:00 in Tokyo
const rules = RuleSet.compile([
  { ruleId: 'weekly', name: 'weekly offers at each user’s best hour', enabled: true, order: 1, revision: 1, createdAt: now, updatedAt: now, updatedBy: 'ops', definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 60_000, maxItems: 20, title: '{{count}} offers', sendAt: 'best', fallbackAt: '09:00' } } } },
]);
const offer = (id: string, userId: string): NotifyEvent => ({ version: 1, id, type: 'promo.weekly', to: { userId }, payload: { title: id }, createdAt: now.toISOString() });
const read = (userId: string, notificationId: string, at: Date): DeliveryStatus => ({ version: 1, eventId: notificationId, notificationId, userId, status: 'read', channel: 'inapp', service: 'gateway', at: at.toISOString() });

describe('send-time optimisation, in one process', () => {
  it('learns a user’s hour from read steps on delivery.status and sends their next digest at it', async () => {
    await store.preferences.upsert('zoe', { timeZone: 'Asia/Tokyo' });
    await store.preferences.upsert('yann', { timeZone: 'Asia/Tokyo' });
    const subscription = await consumeReadTimes(bus, { sendTimes: store.sendTimes, timeZoneOf: (userId) => (userId === 'zoe' || userId === 'yann' ? 'Asia/Tokyo' : 'UTC') });
    // Zoe read at 20:10 Tokyo time (11:10 UTC) on each of the last six days; each step twice (a redelivery).
    const reads = Array.from({ length: 6 }, (_, i) => read('zoe', `n${i}:zoe`, new Date(Date.UTC(2026, 11, 1 - i, 11, 10))));
    await bus.publish(topics.deliveryStatus, [...reads, ...reads].map((value) => ({ value })));
    await waitFor('six reading hours learned', async () => (await store.sendTimes.get('zoe'))?.samples === 6);

    const deps = { bus, lane: 'bulk' as const, rules, idempotency: store.idempotency, digests: store.digests, preferences: store.preferences, isOnline: () => false, topics: store.topics, sendTimesOf: (userIds: string[]) => store.sendTimes.getMany(userIds) };
    await routeEvent(deps, offer('o1', 'zoe'), now);
    await routeEvent(deps, offer('o2', 'yann'), now);
    await waitFor('both batched', () => batched.length === 2);
    const of = (userId: string) => batched.find((s) => s.userId === userId)!.detail as { sendAt: string; sendTime: Record<string, unknown> };
    // Zoe's digest goes at 20:00 on her clock today; Yann, who never read, gets the rule's 09:00 tomorrow.
    expect(of('zoe').sendAt).toBe('2026-12-02T11:00:00.000Z');
    expect(localMinutes(new Date(of('zoe').sendAt), 'Asia/Tokyo')).toBe(20 * 60);
    expect(of('zoe').sendTime).toMatchObject({ sendAt: '20:00', source: 'learned', hour: 20, samples: 6, confidence: 1 });
    expect(of('yann').sendAt).toBe('2026-12-03T00:00:00.000Z');
    expect(of('yann').sendTime).toMatchObject({ sendAt: '09:00', source: 'fallback', hour: null, samples: 0 });
    // The digest bucket itself is due then.
    expect((await store.digests.due(new Date(now.getTime() + DAY_MS), 10)).map((b) => [b.userId, b.flushAt.toISOString()]).sort()).toEqual([
      ['yann', '2026-12-03T00:00:00.000Z'],
      ['zoe', '2026-12-02T11:00:00.000Z'],
    ]);
    await subscription.stop();
  });
});
