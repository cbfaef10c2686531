import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import { registerTopicRoutes } from './topics-routes';

const headers = { authorization: 'Bearer producer-secret-0123456789' };
let server: HttpServer;
beforeEach(() => {
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  registerTopicRoutes(server.app, { topics: createMemoryStore().topics, tokens: parseTokens(['shop:producer-secret-0123456789:topics:read+topics:write', 'writer:writer-secret-0123456789ab:topics:write'], 'producer') });
});
afterEach(async () => server.close());

describe('topics API', () => {
  it('adds and removes members and pages through them', async () => {
    for (const user of ['carol', 'alice', 'bob']) expect((await server.app.inject({ method: 'PUT', url: `/v1/topics/followers:42/members/${user}`, headers })).statusCode).toBe(204);
    const first = (await server.app.inject({ url: '/v1/topics/followers:42/members?limit=2', headers })).json();
    expect(first).toEqual({ members: ['alice', 'bob'], next: 'bob' });
    expect((await server.app.inject({ url: `/v1/topics/followers:42/members?limit=2&after=${first.next}`, headers })).json()).toEqual({ members: ['carol'], next: null });
    expect((await server.app.inject({ method: 'DELETE', url: '/v1/topics/followers:42/members/bob', headers })).statusCode).toBe(204);
    expect((await server.app.inject({ method: 'DELETE', url: '/v1/topics/followers:42/members/bob', headers })).statusCode).toBe(404);
    expect((await server.app.inject({ url: '/v1/topics/followers:42/members?limit=5000', headers })).statusCode).toBe(400);
    expect((await server.app.inject({ url: '/v1/topics/followers:42/members' })).statusCode).toBe(401);
  });

  it('lets a token that may only change memberships not list them', async () => {
    const writer = { authorization: 'Bearer writer-secret-0123456789ab' };
    expect((await server.app.inject({ method: 'PUT', url: '/v1/topics/followers:42/members/alice', headers: writer })).statusCode).toBe(204);
    const list = await server.app.inject({ url: '/v1/topics/followers:42/members', headers: writer });
    expect(list.statusCode).toBe(403);
    expect(list.json().error).toMatchObject({ code: 'NOTIFY_ERR_FORBIDDEN', message: expect.stringContaining('lacks the scope topics:read') });
  });
});
