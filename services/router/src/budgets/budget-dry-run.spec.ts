import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { registerRulesRoutes } from '../admin/rules-routes';
import { RecentEvents } from '../rules/recent-events';
import { RuleHits } from '../rules/rule-hits';
import { RulesCache } from '../rules/rules-cache';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
let server: HttpServer;
let bus: MemoryBus;
let store: Store;
beforeEach(async () => {
  const metrics = createMetricsRegistry('t', { processMetrics: false });
  bus = new MemoryBus({ service: 't', logger: silentLogger(), metrics });
  await bus.start();
  store = createMemoryStore();
  server = createHttpServer({ logger: silentLogger(), metrics });
  registerRulesRoutes(server.app, { rules: store.rules, bus, cache: new RulesCache(store.rules, silentLogger()), tokens: parseTokens(['ops:admin-secret-0123456789'], 'admin'), preferences: store.preferences, isOnline: () => false, hits: new RuleHits(metrics), recent: new RecentEvents(2, 2) });
});
afterEach(async () => {
  await server.close();
  await bus.stop();
});

describe('the dry run of a budgeted rule', () => {
  it('says per recipient which budget applies, with their own number, and whether the push always passes', async () => {
    await store.preferences.upsert('bob', { budgets: [{ category: 'promotions', pushesPerDay: 1 }] });
    const candidate = { ruleId: 'promos', name: 'Promotions', order: 1, enabled: true, definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', channels: { mode: 'push_only' }, budget: { category: 'promotions', pushesPerDay: 3, shedTo: 'digest' } } } };
    const event = { version: 1, id: 'e1', type: 'promo.offer', to: { userIds: ['alice', 'bob'] }, payload: {}, createdAt: new Date().toISOString() };
    const res = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/dry-run', headers: admin, payload: { event, candidate } });
    expect(res.statusCode).toBe(200);
    const recipients = res.json().recipients as Array<{ userId: string; budget?: unknown }>;
    expect(recipients.map((r) => [r.userId, r.budget])).toEqual([
      ['alice', { category: 'promotions', pushesPerDay: 3, alwaysPasses: false, shedTo: 'digest' }],
      ['bob', { category: 'promotions', pushesPerDay: 1, alwaysPasses: false, shedTo: 'digest' }],
    ]);
  });
});
