import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { parseTokens, requireScope, requireToken, tokenListSchema } from './auth';
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
    expect(res.json()).toEqual({ name: 'ops-alice', role: 'admin', scopes: [] });
    expect((await app.inject({ method: 'POST', url: '/producers', headers: { authorization: 'Bearer producer-secret-0123456789' } })).json()).toEqual({ name: 'checkout', role: 'producer', scopes: ['events:write', 'events:read'] });
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

describe('producer token scopes', () => {
  it('reads scopes written after the secret; a token written name:secret sends events and reads its own', () => {
    const [scoped, plain] = parseTokens(['analytics:analytics-secret-0123456789:presence:read+devices:read', 'checkout:producer-secret-0123456789'], 'producer');
    expect(scoped).toEqual({ name: 'analytics', role: 'producer', secret: 'analytics-secret-0123456789', scopes: ['presence:read', 'devices:read'] });
    expect(plain!.scopes).toEqual(['events:write', 'events:read']);
    // Admin tokens keep their meaning: everything after the name is the secret.
    expect(parseTokens(['ops:admin:secret-0123456789'], 'admin')[0]).toEqual({ name: 'ops', role: 'admin', secret: 'admin:secret-0123456789' });
  });

  it('stops start-up on an unknown or empty scope, naming the token but never its secret', () => {
    const result = tokenListSchema('producer').safeParse('checkout:producer-secret-0123456789:events:write+presence:reed');
    expect(result.success).toBe(false);
    const message = result.error!.issues[0]!.message;
    expect(message).toContain('token "checkout" has an unknown scope "presence:reed"');
    expect(message).not.toContain('producer-secret');
    expect(() => parseTokens(['checkout:producer-secret-0123456789:events:write+'], 'producer')).toThrow('empty scope');
  });

  it('admits admin tokens and producer tokens with the scope; 403 names the scope a producer token lacks', async () => {
    const tokens = [
      ...parseTokens(['ops:admin-secret-0123456789'], 'admin'),
      ...parseTokens(['analytics:analytics-secret-0123456789:presence:read', 'checkout:producer-secret-0123456789'], 'producer'),
    ];
    server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
    server.app.get('/presence', { preHandler: requireScope(tokens, 'presence:read') }, async (request) => request.caller!.name);
    const as = (secret: string) => server.app.inject({ url: '/presence', headers: { authorization: `Bearer ${secret}` } });
    expect((await as('admin-secret-0123456789')).body).toBe('ops');
    expect((await as('analytics-secret-0123456789')).body).toBe('analytics');
    const refused = await as('producer-secret-0123456789');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toEqual({ code: 'NOTIFY_ERR_FORBIDDEN', message: 'token "checkout" lacks the scope presence:read (add it after the secret in INTAKE_TOKENS: name:secret:presence:read)' });
    expect((await as('unknown-secret-0123456789')).statusCode).toBe(401);
  });
});
