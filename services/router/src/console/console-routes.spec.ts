import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { registerConsoleRoutes } from './console-routes';

const tokens = [...parseTokens(['ops-alice:admin-secret-0123456789'], 'admin'), ...parseTokens(['checkout:producer-secret-0123456789'], 'producer')];
let server: HttpServer | undefined;
afterEach(async () => server?.close());

async function serve(dir: string) {
  server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
  registerConsoleRoutes(server.app, { tokens, dir });
  await server.app.ready();
  return server.app;
}

describe('console routes', () => {
  it('serves the built console under /console', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'console-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Notify console</title>');
    writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    const app = await serve(dir);
    expect((await app.inject({ url: '/console' })).headers.location).toBe('/console/');
    const index = await app.inject({ url: '/console/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('Notify console');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/console/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('answers 503 with how to build it when the build is missing, rather than failing', async () => {
    const app = await serve(path.join(tmpdir(), 'no-such-console-build'));
    const page = await app.inject({ url: '/console/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npx nx build console');
  });

  it('tells an admin token who it belongs to, and nobody else', async () => {
    const app = await serve(path.join(tmpdir(), 'no-such-console-build'));
    const me = await app.inject({ url: '/v1/admin/whoami', headers: { authorization: 'Bearer admin-secret-0123456789' } });
    expect(me.json()).toEqual({ name: 'ops-alice' });
    expect((await app.inject({ url: '/v1/admin/whoami', headers: { authorization: 'Bearer producer-secret-0123456789' } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/v1/admin/whoami' })).statusCode).toBe(401);
  });
});
