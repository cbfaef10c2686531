import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { parseTokens, requireToken } from './auth';
import { createHttpServer, type HttpServer } from './server';

let server: HttpServer;
afterEach(async () => server?.close());

describe('requireToken', () => {
  const tokens = [...parseTokens(['ops-alice:admin-secret-0123456789'], 'admin'), ...parseTokens(['checkout:producer-secret-0123456789'], 'producer')];

  function build() {
    server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
    server.app.post('/admin-only', { preHandler: requireToken(tokens, ['admin']) }, async (request) => request.caller);
    server.app.post('/producers', { preHandler: requireToken(tokens, ['admin', 'producer']) }, async (request) => request.caller);
    return server.app;
  }

  it('admits the right role and tells the route who called', async () => {
    const app = build();
    const res = await app.inject({ method: 'POST', url: '/admin-only', headers: { authorization: 'Bearer admin-secret-0123456789' } });
    expect(res.json()).toEqual({ name: 'ops-alice', role: 'admin' });
    expect((await app.inject({ method: 'POST', url: '/producers', headers: { authorization: 'Bearer producer-secret-0123456789' } })).json()).toEqual({ name: 'checkout', role: 'producer' });
  });

  it('answers 401 without or with an unknown token, 403 for the wrong role', async () => {
    const app = build();
    const none = await app.inject({ method: 'POST', url: '/admin-only' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toEqual({ code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'send a token as "Authorization: Bearer <token>"' });
    expect((await app.inject({ method: 'POST', url: '/admin-only', headers: { authorization: 'Bearer guess' } })).json().error.message).toBe('unknown token');
    const wrongRole = await app.inject({ method: 'POST', url: '/admin-only', headers: { authorization: 'Bearer producer-secret-0123456789' } });
    expect(wrongRole.statusCode).toBe(403);
    expect(wrongRole.json().error.message).toBe('a producer token may not do this (needs admin)');
  });

  it('refuses badly written token settings', () => {
    expect(() => parseTokens(['no-name-here'], 'admin')).toThrow('name:secret');
    expect(() => parseTokens(['ops:short'], 'admin')).toThrow('shorter than 16 characters');
  });
});
