import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { recordReads } from './read-histogram';
import { registerSendTimeRoutes } from './send-time-routes';

const DAY_MS = 24 * 60 * 60 * 1000;
const reader = { authorization: 'Bearer reader-secret-0123456789ab' };
const sender = { authorization: 'Bearer sender-secret-0123456789ab' };
const admin = { authorization: 'Bearer admin-secret-0123456789abcd' };
let server: HttpServer;
let store: Store;
beforeEach(async () => {
  store = createMemoryStore();
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }), openapi: { title: 'router', version: '1.0.0' } });
  await server.app.after();
  const tokens = [...parseTokens(['shop:reader-secret-0123456789ab:preferences:read', 'sender:sender-secret-0123456789ab'], 'producer'), ...parseTokens(['ops:admin-secret-0123456789abcd'], 'admin')];
  registerSendTimeRoutes(server.app, { sendTimes: store.sendTimes, timeZoneOf: (userId) => (userId === 'zoe' ? 'Asia/Tokyo' : 'UTC'), tokens });
});
afterEach(async () => {
  await server.close();
});

/** Reads at 20:10 Tokyo time (11:10 UTC) on each of the last `days` days. */
async function zoeReads(days: number): Promise<void> {
  const now = Date.now();
  const reads = Array.from({ length: days }, (_, i) => {
    const day = new Date(now - (i + 1) * DAY_MS);
    return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 11, 10));
  });
  await store.sendTimes.putMany([recordReads(null, 'zoe', reads, 'Asia/Tokyo', new Date()).profile]);
}

describe('GET /v1/users/:userId/send-time', () => {
  it('shows a user with no reads on the fallback', async () => {
    const res = await server.app.inject({ url: '/v1/users/yann/send-time?fallbackAt=09:30', headers: reader });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      userId: 'yann',
      timeZone: 'UTC',
      hour: null,
      learned: false,
      usesFallback: true,
      sendAt: '09:30',
      confidence: 0,
      samples: 0,
      weight: 0,
      histogram: new Array(24).fill(0),
      threshold: { minSamples: 5, minWeight: 3, halfLifeDays: 14 },
      updatedAt: null,
    });
    expect((await server.app.inject({ url: '/v1/users/yann/send-time', headers: reader })).json().sendAt).toBeNull();
  });

  it('shows the hour a user’s reads point at, and uses it once there are enough', async () => {
    await zoeReads(3);
    const few = (await server.app.inject({ url: '/v1/users/zoe/send-time?fallbackAt=09:00', headers: admin })).json();
    expect(few).toMatchObject({ timeZone: 'Asia/Tokyo', hour: 20, learned: false, usesFallback: true, sendAt: '09:00', samples: 3, confidence: 1 });
    await zoeReads(7);
    const enough = (await server.app.inject({ url: '/v1/users/zoe/send-time', headers: reader })).json();
    expect(enough).toMatchObject({ hour: 20, learned: true, usesFallback: false, sendAt: '20:00', samples: 7, confidence: 1 });
    expect(enough.weight).toBeGreaterThan(5);
    expect(enough.histogram[20]).toBe(enough.weight);
    expect(enough.histogram.filter((w: number) => w > 0)).toHaveLength(1);
    expect(new Date(enough.updatedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses a bad fallbackAt, a missing token and a token without preferences:read', async () => {
    const bad = await server.app.inject({ url: '/v1/users/zoe/send-time?fallbackAt=9am', headers: reader });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('fallbackAt');
    expect((await server.app.inject({ url: '/v1/users/zoe/send-time' })).statusCode).toBe(401);
    const forbidden = await server.app.inject({ url: '/v1/users/zoe/send-time', headers: sender });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.message).toContain('preferences:read');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await server.app.inject('/openapi.json')).json();
    const operation = doc.paths['/v1/users/{userId}/send-time'].get;
    expect(operation.tags).toEqual(['preferences']);
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['userId', 'fallbackAt']));
    expect(doc.components.schemas.SendTime.required).toEqual(expect.arrayContaining(['hour', 'learned', 'usesFallback', 'histogram', 'confidence']));
  });
});
