import { describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type Notification, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import { waitFor } from '@notify/testing';
import { RuleSet } from '../rules/compile';
import { DEFAULT_MARKETING_BATCHING } from '../rules/defaults';
import { routeEvent } from '../usecases/route-event';
import { DigestFlusher } from './digest-flusher';

async function harness(rules = RuleSet.empty()) {
  const bus = new MemoryBus({ service: 't', logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  await bus.start();
  const store = createMemoryStore();
  const pushed: Notification[] = [];
  await bus.subscribe(topics.deliverPushBulk, { groupId: 't' }, async (m) => void pushed.push(m.value));
  let clock = new Date('2026-11-25T10:00:00Z');
  const flusher = new DigestFlusher({ digests: store.digests, bus, templateFor: (key) => rules.batchingOf(key) ?? DEFAULT_MARKETING_BATCHING, logger: silentLogger(), now: () => clock, recoverAfterMs: 30_000 });
  const fullBuckets: string[] = [];
  const route = (event: NotifyEvent) => routeEvent({ bus, lane: 'bulk', rules, idempotency: store.idempotency, digests: store.digests, preferences: store.preferences, topics: store.topics, isOnline: () => false, onDigestFull: (id) => fullBuckets.push(id) }, event, clock);
  return { bus, store, pushed, flusher, route, fullBuckets, setClock: (d: Date) => (clock = d) };
}

const offer = (id: string, userId = 'alice'): NotifyEvent => ({ version: 1, id, type: 'promo.weekly', to: { userId }, priority: 'marketing', payload: { title: `offer ${id}` }, createdAt: '2026-11-25T10:00:00Z' });

describe('digests', () => {
  it('collects a user’s marketing events and sends one push when the window ends', async () => {
    const h = await harness();
    for (const id of ['o1', 'o2', 'o3']) await h.route(offer(id));
    await h.route(offer('o1')); // a replay is one item
    await h.route(offer('b1', 'bob'));
    expect(await h.flusher.flushDue()).toBe(0);
    h.setClock(new Date(Date.parse('2026-11-25T10:00:00Z') + DEFAULT_MARKETING_BATCHING.windowMs));
    expect(await h.flusher.flushDue()).toBe(2);
    await waitFor('two digests', () => h.pushed.length === 2);
    const alice = h.pushed.find((n) => n.userId === 'alice')!;
    expect(alice).toMatchObject({ priority: 'marketing', content: { title: '3 new updates', body: 'offer o1 · offer o2 · offer o3' }, digest: { count: 3, eventIds: ['o1', 'o2', 'o3'] } });
    expect(await h.flusher.flushDue()).toBe(0); // sent once
    await h.bus.stop();
  });

  it('sends a full digest at once, with the rule’s template', async () => {
    const now = new Date();
    const rules = RuleSet.compile([{ ruleId: 'offers', name: 'offers', enabled: true, order: 1, revision: 1, createdAt: now, updatedAt: now, updatedBy: 'ops', definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 3_600_000, maxItems: 2, title: '{{count}} offers, newest: {{latest.title}}' } } } }]);
    const h = await harness(rules);
    await h.route(offer('o1'));
    expect(h.fullBuckets).toEqual([]);
    await h.route(offer('o2'));
    expect(h.fullBuckets).toHaveLength(1);
    expect(await h.flusher.send(h.fullBuckets[0]!)).toBe(true);
    expect(await h.flusher.send(h.fullBuckets[0]!)).toBe(false); // a second router loses the claim
    await waitFor('the digest', () => h.pushed.length === 1);
    expect(h.pushed[0]!.content.title).toBe('2 offers, newest: offer o2');
    await h.bus.stop();
  });

  it('counts each digest as one push against the rule’s cap', async () => {
    const h = await harness();
    const capped = new DigestFlusher({ digests: h.store.digests, bus: h.bus, templateFor: () => DEFAULT_MARKETING_BATCHING, logger: silentLogger(), rateCapFor: () => ({ max: 1, per: 'day' }), idempotency: h.store.idempotency });
    const statuses: string[] = [];
    await h.bus.subscribe(topics.deliveryStatus, { groupId: 'capped' }, async (m) => void statuses.push(m.value.status));
    for (const id of ['d1', 'd2']) {
      const { bucket } = await h.store.digests.add({ userId: 'alice', digestKey: 'offers', item: { eventId: id, at: new Date() }, flushAt: new Date(0), maxItems: 10 });
      expect(await capped.send(bucket.bucketId)).toBe(true);
    }
    await waitFor('one digest and one capped status', () => h.pushed.length === 1 && statuses.includes('rate_capped'));
    expect(await h.store.digests.listClosedUnsent(10)).toEqual([]); // the capped one is done with, not retried
    await h.bus.stop();
  });

  it('sends again, under the same id, a digest a crashed router had claimed but not marked sent', async () => {
    const h = await harness();
    const { bucket } = await h.store.digests.add({ userId: 'alice', digestKey: 'defaults:marketing', item: { eventId: 'o1', title: 'offer', at: new Date('2026-11-25T09:00:00Z') }, flushAt: new Date('2026-11-25T09:30:00Z'), maxItems: 10 });
    await h.store.digests.close(bucket.bucketId); // the crashed router got this far
    h.setClock(new Date()); // the store stamps the claim with the wall clock
    expect(await h.flusher.recover()).toBe(0); // too recent: it may still be sending
    h.setClock(new Date(Date.now() + 60_000));
    expect(await h.flusher.recover()).toBe(1);
    await waitFor('the recovered digest', () => h.pushed.length === 1);
    expect(h.pushed[0]!.notificationId).toBe(`digest:${bucket.bucketId}`);
    expect(await h.flusher.recover()).toBe(0);
    await h.bus.stop();
  });
});
