import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type DeliveryLogEntry, type Store } from '@notify/store';
import { EventSenders } from '../intake/event-senders';
import { registerStatusRoutes } from './status-routes';
import { registerUserTrailRoutes } from './user-trail-routes';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
const checkout = { authorization: 'Bearer checkout-secret-0123456789' };
const billing = { authorization: 'Bearer billing-secret-0123456789' };
let server: HttpServer;
let store: Store;

beforeEach(async () => {
  store = createMemoryStore();
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  const tokens = [...parseTokens(['ops:admin-secret-0123456789'], 'admin'), ...parseTokens(['checkout:checkout-secret-0123456789', 'billing:billing-secret-0123456789'], 'producer')];
  const senders = new EventSenders(store.idempotency, 60_000);
  await senders.record('checkout', ['e1']);
  registerStatusRoutes(server.app, { log: store.deliveryLog, tokens, senders });
  registerUserTrailRoutes(server.app, { log: store.deliveryLog, tokens });
});
afterEach(async () => server.close());

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, s));
const step = (notificationId: string, status: DeliveryLogEntry['status'], s: number): DeliveryLogEntry => ({ eventId: notificationId.split(':')[0]!, notificationId, userId: notificationId.split(':')[1]!, status, service: 'router', at: at(s) });

/** Every page of a list, following `next`; `between` runs after the first page. */
async function allPages(url: string, key: 'history' | 'notifications', headers: Record<string, string>, between?: () => Promise<void>) {
  const items: Array<{ status: string; notificationId?: string }> = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const pageUrl: string = `${url}${next ? `&cursor=${encodeURIComponent(next)}` : ''}`;
    const res = await server.app.inject({ url: pageUrl, headers });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Record<typeof key, typeof items> & { next: string | null };
    items.push(...body[key]);
    next = body.next;
    if (pages++ === 0) await between?.();
  } while (next);
  return { items, pages };
}

describe('status trail, a page at a time', () => {
  it('reads an event’s history across pages, steps written meanwhile included once', async () => {
    await store.deliveryLog.appendMany([step('e1:ann', 'routed', 1), step('e1:bob', 'routed', 1), step('e1:ann', 'sent', 2), step('e1:bob', 'suppressed', 2), step('e1:ann', 'delivered', 3)]);
    const { items, pages } = await allPages('/v1/events/e1/history?limit=2', 'history', checkout, () => store.deliveryLog.appendMany([step('e1:ann', 'read', 9), step('e1:bob', 'read', 9)]));
    expect(pages).toBe(4);
    expect(items.map((e) => `${e.notificationId} ${e.status}`)).toEqual(['e1:ann routed', 'e1:bob routed', 'e1:ann sent', 'e1:bob suppressed', 'e1:ann delivered', 'e1:ann read', 'e1:bob read']);
    const one = await allPages('/v1/notifications/e1:ann/history?limit=3', 'history', checkout);
    expect(one.items.map((e) => e.status)).toEqual(['routed', 'sent', 'delivered', 'read']);
  });

  it('refuses a cursor it did not give out, and hides another team’s event on every page', async () => {
    await store.deliveryLog.appendMany([step('e1:ann', 'routed', 1), step('e1:ann', 'sent', 2)]);
    const bad = await server.app.inject({ url: '/v1/events/e1/history?cursor=bm90LW91cnM', headers: checkout });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toEqual({ code: 'NOTIFY_ERR_VALIDATION', message: 'query: cursor: the cursor is not one this list gave out; start again without it' });
    const badLimit = await server.app.inject({ url: '/v1/events/e1/history?limit=0', headers: checkout });
    expect(badLimit.json().error.message).toMatch(/^querystring: limit: /);
    const first = (await server.app.inject({ url: '/v1/notifications/e1:ann/history?limit=1', headers: checkout })).json();
    expect(first.next).toEqual(expect.any(String));
    for (const url of ['/v1/events/e1/history', `/v1/notifications/e1:ann/history?cursor=${first.next}`]) {
      const hidden = await server.app.inject({ url, headers: billing });
      expect(hidden.statusCode, url).toBe(404);
    }
    expect((await server.app.inject({ url: '/v1/events/nope/history', headers: admin })).statusCode).toBe(404);
  });

  it('pages a user’s notifications newest first while they progress', async () => {
    await store.deliveryLog.appendMany([1, 2, 3, 4, 5].map((n) => step(`e${n}:cy`, 'routed', n)));
    const { items } = await allPages('/v1/admin/users/cy/notifications?limit=2', 'notifications', admin, () => store.deliveryLog.appendMany([step('e1:cy', 'read', 20), step('e3:cy', 'failed', 21), step('e6:cy', 'routed', 22)]));
    expect(items.map((n) => `${n.notificationId} ${n.status}`)).toEqual(['e5:cy routed', 'e4:cy routed', 'e3:cy failed', 'e2:cy routed', 'e1:cy read']);
    expect((await server.app.inject({ url: '/v1/admin/users/cy/notifications', headers: checkout })).statusCode).toBe(403);
  });
});
