import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus, type Subscription } from '@notify/bus';
import { topics, type DeliveryStatus, type NotifyEvent } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { consumeStatusTrail } from '../status-trail/status-trail';
import { laneTopics } from './lane-topics';
import type { LanesReport } from './lanes-report';
import { LanesSampler } from './lanes-sampler';
import { registerLanesRoutes } from './lanes-routes';
import { RoutedToSocket } from './routed-to-socket';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
const producer = { authorization: 'Bearer producer-secret-0123456789' };
let server: HttpServer;
let bus: MemoryBus;
let store: Store;
let sampler: LanesSampler;
const subscriptions: Subscription[] = [];

beforeEach(async () => {
  const metrics = createMetricsRegistry('t', { processMetrics: false });
  bus = new MemoryBus({ service: 't', logger: silentLogger(), metrics });
  await bus.start();
  store = createMemoryStore();
  const latency = new RoutedToSocket(60_000);
  subscriptions.push(await consumeStatusTrail(bus, store.deliveryLog, (s) => latency.observe(s)));
  sampler = new LanesSampler(bus, laneTopics, 100, 60_000, silentLogger());
  server = createHttpServer({ logger: silentLogger(), metrics });
  const tokens = [...parseTokens(['ops-alice:admin-secret-0123456789'], 'admin'), ...parseTokens(['checkout:producer-secret-0123456789'], 'producer')];
  registerLanesRoutes(server.app, { bus, lanes: laneTopics, sampler, sampleEveryMs: 100, latency, digests: store.digests, tokens });
});
afterEach(async () => {
  await sampler.stop();
  await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
  await server.close();
  await bus.stop();
});

const lanes = async (): Promise<LanesReport> => {
  const response = await server.app.inject({ method: 'GET', url: '/v1/admin/lanes', headers: admin });
  expect(response.statusCode).toBe(200);
  return response.json();
};
const marketing = (i: number): NotifyEvent => ({ version: 1, id: `promo-${i}`, type: 'promo.weekly', to: { userId: `user-${i}` }, priority: 'marketing', payload: {}, createdAt: new Date().toISOString() });
const status = (s: DeliveryStatus['status'], at: number, extra: Partial<DeliveryStatus> = {}): DeliveryStatus => ({ version: 1, eventId: 'e1', notificationId: 'e1:alice', userId: 'alice', status: s, channel: 'inapp', service: 'test', at: new Date(at).toISOString(), ...extra });

describe('lanes API (embedded mode, in-process bus)', () => {
  it('is for admin tokens only', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/v1/admin/lanes' })).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'GET', url: '/v1/admin/lanes', headers: producer })).statusCode).toBe(403);
  });

  it('gives every lane’s topic with its groups’ lag from the in-process bus, and the bulk lag as background backlog', async () => {
    const bulk = await bus.subscribe(topics.notifyEventsBulk, { groupId: 'router-bulk', background: true }, async () => {});
    await bulk.stop();
    await bus.publish(topics.notifyEventsBulk, Array.from({ length: 7 }, (_, i) => ({ value: marketing(i) })));
    const report = await lanes();
    expect(report.transport).toBe('memory');
    expect(report.topics.slice(0, 7).map((t) => [t.topic, t.lane])).toEqual([
      ['notify.events', 'intake'],
      ['notify.events.bulk', 'intake (bulk)'],
      ['deliver.inapp', 'in-app'],
      ['deliver.push.transactional', 'push'],
      ['deliver.push.bulk', 'push (bulk)'],
      ['delivery.status', 'status trail'],
      ['notify.dlq', 'dead letters'],
    ]);
    const bulkLane = report.topics.find((t) => t.topic === 'notify.events.bulk')!;
    expect(bulkLane).toMatchObject({ background: true, written: 7, groups: [{ groupId: 'router-bulk', members: 0, lag: 7 }] });
    expect(report.background).toEqual({ backlog: 7, waitingForCpu: 0 });
    expect(report.notes.join(' ')).toMatch(/In-process bus/);
  });

  it('measures throughput between samples', async () => {
    sampler.start();
    await waitFor('a first sample', () => sampler.history.size >= 1);
    await bus.publish(topics.notifyEventsBulk, Array.from({ length: 50 }, (_, i) => ({ value: marketing(i) })));
    const report = await waitFor('a rate', async () => {
      const r = await lanes();
      return (r.topics.find((t) => t.topic === 'notify.events.bulk')?.writtenPerSec ?? 0) > 0 ? r : undefined;
    });
    expect(report.topics.find((t) => t.topic === 'notify.events')?.writtenPerSec).toBe(0);
  });

  it('gives routed → socket percentiles from delivery.status, and the digests waiting with when the next is due', async () => {
    const now = Date.now();
    await bus.publish(topics.deliveryStatus, [{ value: status('routed', now) }, { value: status('sent', now + 12, { detail: { online: true } }) }]);
    await store.digests.add({ userId: 'alice', digestKey: 'offers', item: { eventId: 'p1', at: new Date() }, flushAt: new Date('2030-01-01T00:00:00Z'), maxItems: 10 });
    const report = await waitFor('the latency measured', async () => {
      const r = await lanes();
      return r.routedToSocket.count === 1 ? r : undefined;
    });
    expect(report.routedToSocket).toMatchObject({ count: 1, p50Ms: 12, p99Ms: 12, scope: 'this process' });
    expect(report.digests).toEqual({ open: 1, full: 0, nextFlushAt: '2030-01-01T00:00:00.000Z', nextDueAt: '2030-01-01T00:00:00.000Z' });
  });

  it('says a full digest is due now', async () => {
    await store.digests.add({ userId: 'alice', digestKey: 'offers', item: { eventId: 'p1', at: new Date() }, flushAt: new Date('2030-01-01T00:00:00Z'), maxItems: 1 });
    const before = Date.now();
    const { digests } = await lanes();
    expect(digests).toMatchObject({ open: 1, full: 1 });
    expect(Date.parse(digests.nextDueAt!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(digests.nextDueAt!)).toBeLessThan(Date.parse('2030-01-01T00:00:00Z'));
  });
});
