import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { PresenceTable } from '../state/presence-table';
import { registerPresenceRoutes } from './presence-routes';

const producer = { authorization: 'Bearer producer-secret-0123456789' };
const admin = { authorization: 'Bearer admin-secret-0123456789abcd' };
let server: HttpServer;
let table: PresenceTable;
beforeEach(() => {
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  table = new PresenceTable();
  const tokens = [...parseTokens(['shop:producer-secret-0123456789:presence:read', 'sender:sender-secret-0123456789ab'], 'producer'), ...parseTokens(['ops:admin-secret-0123456789abcd'], 'admin')];
  registerPresenceRoutes(server.app, { stateOf: (userId) => table.stateOf(userId), tokens });
  table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', socketId: 's1', gatewayId: 'gw-1', device: 'phone', at: '2026-11-25T10:00:00.000Z' }, 1);
});
afterEach(async () => server.close());

describe('presence API', () => {
  it('answers one user, and a user it never heard of as offline', async () => {
    const alice = await server.app.inject({ url: '/v1/presence/alice', headers: producer });
    expect(alice.statusCode).toBe(200);
    expect(alice.json()).toEqual(table.stateOf('alice'));
    const nobody = await server.app.inject({ url: '/v1/presence/nobody', headers: admin });
    expect(nobody.json()).toMatchObject({ userId: 'nobody', online: false, gateways: [], devices: 0, connections: [] });
  });

  it('answers many users in the order asked', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/presence/query', headers: producer, payload: { userIds: ['nobody', 'alice', 'nobody'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().users.map((u: { userId: string; online: boolean }) => [u.userId, u.online])).toEqual([['nobody', false], ['alice', true], ['nobody', false]]);
  });

  it('says what is wrong with a query', async () => {
    for (const payload of [{}, { userIds: [] }, { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, { userIds: [''] }, { userIds: ['alice'], extra: 1 }]) {
      const res = await server.app.inject({ method: 'POST', url: '/v1/presence/query', headers: producer, payload });
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(res.json().error.code).toBe('NOTIFY_ERR_VALIDATION');
    }
    const tooMany = await server.app.inject({ method: 'POST', url: '/v1/presence/query', headers: producer, payload: { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`) } });
    expect(tooMany.json().error.message).toContain('userIds');
  });

  it('needs a known bearer token', async () => {
    expect((await server.app.inject({ url: '/v1/presence/alice' })).statusCode).toBe(401);
    expect((await server.app.inject({ url: '/v1/presence/alice', headers: { authorization: 'Bearer not-a-known-token-at-all' } })).statusCode).toBe(401);
    const res = await server.app.inject({ method: 'POST', url: '/v1/presence/query', payload: { userIds: ['alice'] } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('NOTIFY_ERR_UNAUTHENTICATED');
  });

  it('refuses a producer token without the scope presence:read', async () => {
    const sender = { authorization: 'Bearer sender-secret-0123456789ab' };
    for (const res of [await server.app.inject({ url: '/v1/presence/alice', headers: sender }), await server.app.inject({ method: 'POST', url: '/v1/presence/query', headers: sender, payload: { userIds: ['alice'] } })]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toEqual({ code: 'NOTIFY_ERR_FORBIDDEN', message: 'token "sender" lacks the scope presence:read (add it after the secret in INTAKE_TOKENS: name:secret:presence:read)' });
    }
  });
});
