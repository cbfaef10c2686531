import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followState, MemoryBus } from '@notify/bus';
import { topics } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import { waitFor } from '@notify/testing';
import { registerPreferencesRoutes } from './preferences-routes';
import { PreferencesView } from './preferences-view';

const producer = { authorization: 'Bearer producer-secret-0123456789' };
let server: HttpServer;
let bus: MemoryBus;
beforeEach(async () => {
  bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('b', { processMetrics: false }) });
  await bus.start();
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  registerPreferencesRoutes(server.app, { preferences: createMemoryStore().preferences, bus, tokens: parseTokens(['shop:producer-secret-0123456789:preferences:read+preferences:write', 'sender:sender-secret-0123456789ab'], 'producer') });
});
afterEach(async () => {
  await server.close();
  await bus.stop();
});

describe('preferences API', () => {
  it('publishes every change on preferences.state, which a router’s view follows', async () => {
    await server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: producer, payload: { optOuts: [{ category: 'offers', channel: 'push' }] } });
    // A router started later reads what was published before it, and is caught up before it routes.
    const view = new PreferencesView();
    const { subscription, caughtUp } = await followState(bus, topics.preferencesState, { groupId: 'view' }, (state) => view.apply(state));
    await caughtUp;
    expect(view.get('alice')).toMatchObject({ userId: 'alice', optOuts: [{ category: 'offers', channel: 'push' }], timeZone: 'UTC' });
    await server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: producer, payload: { timeZone: 'Europe/Paris' } });
    await waitFor('the change in the view', () => view.get('alice')?.timeZone === 'Europe/Paris');
    expect(view.get('alice')!.optOuts).toEqual([{ category: 'offers', channel: 'push' }]);
    expect(view.get('bob')).toBeNull();
    expect(view.size).toBe(1);
    await subscription.stop();
  });

  it('answers defaults for a new user, then keeps what is changed', async () => {
    expect((await server.app.inject({ url: '/v1/users/alice/preferences', headers: producer })).json()).toEqual({ userId: 'alice', optOuts: [], timeZone: 'UTC' });
    const changed = await server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: producer, payload: { optOuts: [{ category: 'offers', channel: 'push' }], timeZone: 'Europe/Paris', quietHours: { start: '22:00', end: '07:30' } } });
    expect(changed.statusCode).toBe(200);
    await server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: producer, payload: { locale: 'fr-FR' } });
    expect((await server.app.inject({ url: '/v1/users/alice/preferences', headers: producer })).json()).toMatchObject({ optOuts: [{ category: 'offers', channel: 'push' }], timeZone: 'Europe/Paris', quietHours: { start: '22:00', end: '07:30' }, locale: 'fr-FR' });
  });

  it('says what is wrong with a change, and needs a token', async () => {
    const bad = await server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: producer, payload: { timeZone: 'Mars/Olympus', quietHours: { start: '25:00', end: '07:00' }, optOuts: [{ category: 'offers', channel: 'sms' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('timeZone: an IANA time zone');
    expect(bad.json().error.message).toContain('quietHours.start: HH:MM, 24-hour');
    expect(bad.json().error.message).toContain('optOuts.0.channel');
    expect((await server.app.inject({ url: '/v1/users/alice/preferences' })).statusCode).toBe(401);
  });

  it('refuses a token written without preferences scopes, naming the scope it lacks', async () => {
    const sender = { authorization: 'Bearer sender-secret-0123456789ab' };
    const read = await server.app.inject({ url: '/v1/users/alice/preferences', headers: sender });
    expect(read.statusCode).toBe(403);
    expect(read.json().error).toMatchObject({ code: 'NOTIFY_ERR_FORBIDDEN', message: expect.stringContaining('lacks the scope preferences:read') });
    const change = await server.app.inject({ method: 'PATCH', url: '/v1/users/alice/preferences', headers: sender, payload: { locale: 'fr-FR' } });
    expect(change.statusCode).toBe(403);
    expect(change.json().error.message).toContain('preferences:write');
  });
});
