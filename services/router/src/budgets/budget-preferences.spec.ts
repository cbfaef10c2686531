import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followState, MemoryBus } from '@notify/bus';
import { topics } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { registerPreferencesRoutes } from '../preferences/preferences-routes';
import { PreferencesView } from '../preferences/preferences-view';
import { localDay } from './local-day';

const producer = { authorization: 'Bearer producer-secret-0123456789' };
let server: HttpServer;
let bus: MemoryBus;
let store: Store;
beforeEach(async () => {
  bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('b', { processMetrics: false }) });
  await bus.start();
  store = createMemoryStore();
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  registerPreferencesRoutes(server.app, { preferences: store.preferences, bus, budgets: store.budgets, tokens: parseTokens(['shop:producer-secret-0123456789:preferences:read+preferences:write', 'sender:sender-secret-0123456789ab'], 'producer') });
});
afterEach(async () => {
  await server.close();
  await bus.stop();
});

const patch = (payload: unknown) => server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: producer, payload: payload as Record<string, unknown> });

describe('a user’s own budgets', () => {
  it('are kept with their preferences and reach every router’s view', async () => {
    const view = new PreferencesView();
    const { subscription, caughtUp } = await followState(bus, topics.preferencesState, { groupId: 'view' }, (state) => view.apply(state));
    await caughtUp;
    const changed = await patch({ budgets: [{ category: 'promotions', pushesPerDay: 1 }, { category: 'news', pushesPerDay: 0 }] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().budgets).toEqual([{ category: 'promotions', pushesPerDay: 1 }, { category: 'news', pushesPerDay: 0 }]);
    await waitFor('the view to have them', () => view.get('alice')?.budgets?.length === 2);
    expect((await patch({ budgets: [] })).json().budgets).toEqual([]);
    await waitFor('the view to drop them', () => view.get('alice')?.budgets?.length === 0);
    await subscription.stop();
  });

  it('refuses a bad budget with what is wrong', async () => {
    const bad = await patch({ budgets: [{ category: 'promotions', pushesPerDay: -1 }, { category: 'a b', pushesPerDay: 2 }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('budgets.0.pushesPerDay');
    expect(bad.json().error.message).toContain('budgets.1.category');
    const twice = await patch({ budgets: [{ category: 'promotions', pushesPerDay: 1 }, { category: 'promotions', pushesPerDay: 2 }] });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.message).toContain('one entry per budget category');
  });

  it('answers what the user spent today, on their local day', async () => {
    await patch({ timeZone: 'Pacific/Kiritimati' });
    const day = localDay(new Date(), 'Pacific/Kiritimati');
    await store.budgets.take([{ userId: 'alice', day, budget: 'promotions', channel: 'push', notificationId: 'n1', limit: 3, expiresAt: new Date(Date.now() + 86_400_000) }]);
    const spend = await server.app.inject({ url: '/v1/users/alice/budgets', headers: producer });
    expect(spend.statusCode).toBe(200);
    expect(spend.json()).toEqual({ userId: 'alice', day, timeZone: 'Pacific/Kiritimati', spent: [{ budget: 'promotions', channel: 'push', count: 1 }] });
    expect((await server.app.inject({ url: '/v1/users/bob/budgets', headers: producer })).json()).toMatchObject({ timeZone: 'UTC', spent: [] });
    expect((await server.app.inject({ url: '/v1/users/alice/budgets', headers: { authorization: 'Bearer sender-secret-0123456789ab' } })).statusCode).toBe(403);
  });
});
