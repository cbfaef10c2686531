import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { HttpError, errorCatalogue } from './errors';
import { createHttpServer, type HttpServer } from './server';

let server: HttpServer;
afterEach(async () => server?.close());

function build(checkFails = false) {
  server = createHttpServer({
    logger: silentLogger(),
    metrics: createMetricsRegistry('test', { processMetrics: false }),
    checks: [{ name: 'mongo', check: async () => (checkFails ? Promise.reject(new Error('down')) : undefined) }],
    bodyLimitBytes: 1024,
  });
  server.app.post('/echo', async (request) => {
    if (!request.body || typeof request.body !== 'object') throw new HttpError('NOTIFY_ERR_VALIDATION', 'body must be an object');
    return request.body;
  });
  return server;
}

describe('ops routes', () => {
  it('is live and ready while dependencies answer', async () => {
    const { app } = build();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, checks: { mongo: { ok: true } } });
  });

  it('is not ready when a dependency fails or while draining', async () => {
    const failing = build(true);
    expect((await failing.app.inject('/readyz')).json()).toMatchObject({ ready: false, checks: { mongo: { ok: false, error: 'down' } } });
    await failing.close();
    const draining = build();
    draining.markDraining();
    const res = await draining.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, draining: true });
  });

  it('serves prometheus metrics with the service label', async () => {
    const res = await build().app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
  });
});

describe('errors', () => {
  it('answers bad JSON, oversized bodies and unknown routes with catalogue codes', async () => {
    const { app } = build();
    const badJson = await app.inject({ method: 'POST', url: '/echo', payload: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('NOTIFY_ERR_VALIDATION');
    const big = await app.inject({ method: 'POST', url: '/echo', payload: { blob: 'x'.repeat(2048) } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('NOTIFY_ERR_PAYLOAD_TOO_LARGE');
    const missing = await app.inject('/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('no route GET /nope');
  });

  it('keeps docs/errors.md in sync with the catalogue', async () => {
    const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, { status, message }] of Object.entries(errorCatalogue)) {
      expect(doc, code).toContain(`| \`${code}\` | ${status} | ${message} |`);
    }
  });
});
