import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createHttpServer, type ApiToken, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { signatureHeaders } from '../delivery/signing';
import { registerEndpointRoutes } from './endpoint-routes';

const tokens: ApiToken[] = [
  { name: 'ops', role: 'admin', secret: 'ops-secret-0123456789abcdef' },
  { name: 'shop', role: 'producer', secret: 'shop-secret-0123456789abcd', scopes: ['webhooks:read', 'webhooks:write'] },
  { name: 'reader', role: 'producer', secret: 'reader-secret-0123456789ab', scopes: ['webhooks:read'] },
  { name: 'sender', role: 'producer', secret: 'sender-secret-0123456789ab', scopes: ['events:write'] },
];
const as = (name: string) => ({ authorization: `Bearer ${tokens.find((t) => t.name === name)!.secret}` });

let server: HttpServer;
let store: Store;
let changes = 0;
const now = new Date('2026-12-02T09:00:00Z');
beforeEach(async () => {
  store = createMemoryStore();
  changes = 0;
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }), openapi: { title: 'webhooks', version: '1.0.0' } });
  // As in a process: the OpenAPI plugin is loaded before routes are added, so it sees each one.
  await server.app.after();
  registerEndpointRoutes(server.app, { webhooks: store.webhooks, tokens, allowHttp: false, secretOverlapMs: 3_600_000, changed: () => void changes++, now: () => now });
});
afterEach(async () => server.close());

const create = (who: string, payload: unknown) => server.app.inject({ method: 'POST', url: '/v1/webhooks/endpoints', headers: as(who), payload: payload as object });

describe('webhook endpoints API', () => {
  it('creates an endpoint with a generated secret, shown on creation and to writers only', async () => {
    const res = await create('shop', { url: 'https://hooks.shop.example/notify', statuses: ['delivered'], batch: { maxSize: 50, maxWaitMs: 1000 } });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ owner: 'shop', url: 'https://hooks.shop.example/notify', statuses: ['delivered'], eventTypes: [], disabled: false, batch: { maxSize: 50, maxWaitMs: 1000 } });
    expect(created.secret).toMatch(/^whsec_/);
    expect(changes).toBe(1);
    const got = (await server.app.inject({ url: `/v1/webhooks/endpoints/${created.id}`, headers: as('reader') })).json();
    expect(got).not.toHaveProperty('secret');
    expect((await server.app.inject({ url: `/v1/webhooks/endpoints/${created.id}/secret`, headers: as('reader') })).statusCode).toBe(403);
    expect((await server.app.inject({ url: `/v1/webhooks/endpoints/${created.id}/secret`, headers: as('shop') })).json()).toEqual({ secret: created.secret });
  });

  it('refuses bad requests with a 4xx naming the problem', async () => {
    const refused = async (payload: unknown, status: number, message: RegExp, who = 'shop') => {
      const res = await create(who, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.message).toMatch(message);
    };
    await refused({ url: 'http://hooks.example/x' }, 400, /url: must be https/);
    await refused({ url: 'ftp://hooks.example/x' }, 400, /^body: url/);
    await refused({ url: 'not a url' }, 400, /^body: url/);
    await refused({ url: 'https://hooks.example/x', statuses: ['arrived'] }, 400, /statuses\.0/);
    await refused({ url: 'https://hooks.example/x', eventTypes: ['order.*.paid'] }, 400, /eventTypes\.0/);
    await refused({ url: 'https://hooks.example/x', batch: { maxSize: 0, maxWaitMs: 10 } }, 400, /batch\.maxSize/);
    await refused({ url: 'https://hooks.example/x', secret: 'hunter2' }, 400, /secret: a secret is whsec_/);
    await refused({ url: 'https://hooks.example/x', colour: 'red' }, 400, /colour/);
    await refused({ url: 'https://hooks.example/x' }, 403, /lacks the scope webhooks:write/, 'sender');
    await refused({ url: 'https://hooks.example/x' }, 403, /lacks the scope webhooks:write/, 'reader');
    expect((await server.app.inject({ method: 'POST', url: '/v1/webhooks/endpoints', payload: { url: 'https://hooks.example/x' } })).statusCode).toBe(401);
    const { id } = (await create('shop', { url: 'https://hooks.example/x' })).json();
    expect((await server.app.inject({ url: `/v1/webhooks/endpoints/${id}/deliveries?after=garbage`, headers: as('shop') })).json().error.message).toMatch(/after: not a cursor/);
    expect((await server.app.inject({ url: `/v1/webhooks/endpoints/${id}/deliveries?limit=1000`, headers: as('shop') })).statusCode).toBe(400);
    expect((await server.app.inject({ url: `/v1/webhooks/endpoints/${id}/deliveries?state=lost`, headers: as('shop') })).statusCode).toBe(400);
    expect((await server.app.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${id}`, headers: as('shop'), payload: { url: 'http://hooks.example/y' } })).statusCode).toBe(400);
    expect((await server.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/deliveries/msg_none/retry`, headers: as('shop') })).statusCode).toBe(404);
  });

  it('shows and lets a producer manage only its own endpoints; an admin sees and manages all', async () => {
    const own = (await create('shop', { url: 'https://hooks.shop.example/a' })).json();
    const ops = (await create('ops', { url: 'https://hooks.ops.example/b' })).json();
    expect((await server.app.inject({ url: '/v1/webhooks/endpoints', headers: as('shop') })).json().endpoints.map((e: { id: string }) => e.id)).toEqual([own.id]);
    expect((await server.app.inject({ url: '/v1/webhooks/endpoints', headers: as('ops') })).json().endpoints.map((e: { id: string }) => e.id).sort()).toEqual([own.id, ops.id].sort());
    for (const [method, url] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['GET', '/deliveries'], ['POST', '/test'], ['POST', '/rotate-secret']] as const) {
      const res = await server.app.inject({ method, url: `/v1/webhooks/endpoints/${ops.id}${url}`, headers: as('shop'), ...(method === 'PATCH' ? { payload: { description: 'mine now' } } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const patched = await server.app.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${own.id}`, headers: as('ops'), payload: { description: 'checked by ops', statuses: ['failed'], disabled: true } });
    expect(patched.json()).toMatchObject({ description: 'checked by ops', statuses: ['failed'], disabled: true, disabledReason: 'disabled by ops' });
    const enabled = (await server.app.inject({ method: 'PATCH', url: `/v1/webhooks/endpoints/${own.id}`, headers: as('shop'), payload: { disabled: false, description: null } })).json();
    expect(enabled.disabled).toBe(false);
    expect(enabled).not.toHaveProperty('disabledReason');
    expect(enabled).not.toHaveProperty('description');
    expect((await server.app.inject({ method: 'DELETE', url: `/v1/webhooks/endpoints/${own.id}`, headers: as('shop') })).statusCode).toBe(204);
    expect((await server.app.inject({ url: `/v1/webhooks/endpoints/${own.id}`, headers: as('shop') })).statusCode).toBe(404);
  });

  it('rotates the secret: deliveries are signed with both until the overlap ends', async () => {
    const { id, secret: first } = (await create('shop', { url: 'https://hooks.shop.example/a' })).json();
    const rotated = (await server.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/rotate-secret`, headers: as('shop') })).json();
    expect(rotated.secret).not.toBe(first);
    expect(rotated, JSON.stringify(rotated)).toHaveProperty('previousSecretValidUntil');
    expect(rotated.previousSecretValidUntil).toBe('2026-12-02T10:00:00.000Z');
    const endpoint = (await store.webhooks.getEndpoint(id))!;
    expect(endpoint).toMatchObject({ secret: rotated.secret, previousSecret: first });
    const body = '{"type":"webhook.test"}';
    const headers = signatureHeaders([endpoint.secret, endpoint.previousSecret!], 'msg_x', new Date(), body);
    expect(new Webhook(first).verify(body, { ...headers })).toEqual({ type: 'webhook.test' });
    expect(new Webhook(rotated.secret).verify(body, { ...headers })).toEqual({ type: 'webhook.test' });
  });

  it('retries only a parked delivery (409 otherwise) and pages deliveries with a cursor', async () => {
    const { id } = (await create('shop', { url: 'https://hooks.shop.example/a' })).json();
    const test = (await server.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/test`, headers: as('shop') })).json();
    expect(test).toMatchObject({ state: 'pending', attempts: 0, payload: { type: 'webhook.test' } });
    const retry = () => server.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/deliveries/${test.id}/retry`, headers: as('shop') });
    expect((await retry()).statusCode).toBe(409);
    await store.webhooks.recordAttempts([{ ids: [test.id], result: { state: 'failed', attempts: 9, nextAttemptAt: now, finishedAt: now, lastError: 'HTTP 500' } }]);
    expect((await retry()).json()).toMatchObject({ state: 'pending', attempts: 0, lastError: 'HTTP 500' });
    for (let i = 0; i < 2; i++) await server.app.inject({ method: 'POST', url: `/v1/webhooks/endpoints/${id}/test`, headers: as('shop') });
    const page1 = (await server.app.inject({ url: `/v1/webhooks/endpoints/${id}/deliveries?limit=2`, headers: as('shop') })).json();
    expect(page1.deliveries).toHaveLength(2);
    const page2 = (await server.app.inject({ url: `/v1/webhooks/endpoints/${id}/deliveries?limit=2&after=${page1.next}`, headers: as('shop') })).json();
    expect(page2.deliveries).toHaveLength(1);
    expect(page2.next).toBeUndefined();
    expect(new Set([...page1.deliveries, ...page2.deliveries].map((d: { id: string }) => d.id)).size).toBe(3);
  });

  it('documents every route in the OpenAPI document, from the same schemas', async () => {
    const res = await server.app.inject('/openapi.json');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths).filter((p: string) => p.startsWith('/v1/webhooks')).sort()).toEqual([
      '/v1/webhooks/endpoints',
      '/v1/webhooks/endpoints/{endpointId}',
      '/v1/webhooks/endpoints/{endpointId}/deliveries',
      '/v1/webhooks/endpoints/{endpointId}/deliveries/{deliveryId}/retry',
      '/v1/webhooks/endpoints/{endpointId}/rotate-secret',
      '/v1/webhooks/endpoints/{endpointId}/secret',
      '/v1/webhooks/endpoints/{endpointId}/test',
    ]);
    const create = doc.paths['/v1/webhooks/endpoints'].post;
    expect(create.tags).toEqual(['webhooks']);
    expect(create.requestBody.content['application/json'].schema.properties.statuses.items.enum).toContain('delivered');
    expect(doc.components.schemas).toHaveProperty('WebhookDelivery');
  });
});
