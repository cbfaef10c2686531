import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import { registerPreferencesRoutes } from './preferences-routes';

const producer = { authorization: 'Bearer producer-secret-0123456789' };
let server: HttpServer;
beforeEach(() => {
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  registerPreferencesRoutes(server.app, { preferences: createMemoryStore().preferences, tokens: parseTokens(['shop:producer-secret-0123456789'], 'producer') });
});
afterEach(async () => server.close());

describe('preferences API', () => {
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
});
