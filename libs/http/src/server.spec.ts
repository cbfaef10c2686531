import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { z } from 'zod';
import type { FastifyPluginAsyncZod as RoutesPlugin, ZodTypeProvider } from 'fastify-type-provider-zod';
import { HttpError, errorCatalogue } from './errors';
import { refusals, undocumentedRoutes } from './openapi';
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

  it('closes promptly with a connection open that has not sent its request yet', async () => {
    const http = build();
    const address = new URL(await http.listen(0, '127.0.0.1'));
    // A client that connected just before the stop (a reconnect, a balancer's probe): node leaves such a connection to headersTimeout (60 s).
    const silent = connect(Number(address.port), address.hostname);
    await new Promise<void>((resolve) => silent.once('connect', resolve));
    const closedIn = Date.now();
    await http.close();
    expect(Date.now() - closedIn).toBeLessThan(5000);
    await new Promise<void>((resolve) => (silent.closed ? resolve() : silent.once('close', () => resolve())));
  }, 20_000);

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

describe('routes declared with zod schemas', () => {
  const Greeting = z.object({ name: z.string().min(2).describe('who to greet'), times: z.number().int().min(1).max(3) }).strict();
  const greetings: RoutesPlugin = async (app) => {
    app.post('/v1/greetings/:lang', { schema: { summary: 'Greet someone', params: z.object({ lang: z.enum(['en', 'fr']) }), body: Greeting, response: { 200: z.object({ text: z.string() }) } } }, async (request) => ({
      text: `${request.params.lang === 'fr' ? 'bonjour' : 'hello'} ${request.body.name}`.repeat(request.body.times),
    }));
  };

  function withGreetings() {
    server = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), openapi: { title: 'greetings', version: '1.0.0' } });
    void server.app.register(greetings);
    return server.app;
  }

  it('validates the request and answers a refusal with the catalogue code and the path of each problem', async () => {
    const app = withGreetings();
    expect((await app.inject({ method: 'POST', url: '/v1/greetings/fr', payload: { name: 'Ada', times: 1 } })).json()).toEqual({ text: 'bonjour Ada' });
    const bad = await app.inject({ method: 'POST', url: '/v1/greetings/en', payload: { name: 'A', times: 7 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('NOTIFY_ERR_VALIDATION');
    expect(bad.json().error.message).toMatch(/^body: name: .*>=2 characters; times: .*<=3/);
    const badParam = await app.inject({ method: 'POST', url: '/v1/greetings/de', payload: { name: 'Ada', times: 1 } });
    expect(badParam.json().error.message).toMatch(/^params: lang: /);
  });

  it('generates the OpenAPI 3.1 document from the same schemas, and renders it', async () => {
    const app = withGreetings();
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const operation = doc.paths['/v1/greetings/{lang}'].post;
    expect(operation.parameters[0]).toMatchObject({ in: 'path', name: 'lang', schema: { enum: ['en', 'fr'] } });
    expect(operation.requestBody.content['application/json'].schema).toMatchObject({ properties: { name: { minLength: 2, description: 'who to greet' } }, required: ['name', 'times'] });
    expect(operation.responses['200'].content['application/json'].schema.properties.text.type).toBe('string');
    const page = await app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
  });

  it('names every route the document does not describe, so none is added undocumented', async () => {
    const app = withGreetings();
    app.get('/v1/secret-feature', async () => ({ hidden: 'nowhere' }));
    app.get('/v1/meant-to-be-hidden', { schema: { hide: true } }, async () => ({}));
    expect(await undocumentedRoutes(app)).toEqual(['GET /v1/secret-feature']);
    const doc = (await app.inject('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/greetings/{lang}', '/healthz', '/readyz', '/metrics']));
  });

  it('lists only the named schemas its own routes use, though the process declares more', async () => {
    const Unrelated = z.object({ elsewhere: z.string() }).meta({ id: 'DeclaredElsewhere' });
    const other = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('other', { processMetrics: false }), openapi: { title: 'other', version: '1.0.0' } });
    await other.app.after();
    other.app.withTypeProvider<ZodTypeProvider>().get('/v1/elsewhere', { schema: { summary: 'Elsewhere', response: { 200: Unrelated } } }, async () => ({ elsewhere: 'yes' }));
    try {
      expect(Object.keys((await other.app.inject('/openapi.json')).json().components.schemas)).toEqual(['DeclaredElsewhere']);
      const app = withGreetings();
      void app.register(async (scoped) => {
        scoped.withTypeProvider<ZodTypeProvider>().get('/v1/refused', { schema: { summary: 'Always refused', response: refusals(404) } }, async () => {
          throw new HttpError('NOTIFY_ERR_NOT_FOUND', 'never here');
        });
      });
      const doc = (await app.inject('/openapi.json')).json();
      expect(Object.keys(doc.components.schemas)).toEqual(['Error']);
      expect(doc.paths['/v1/refused'].get.responses['404'].description).toBe('NOTIFY_ERR_NOT_FOUND: No such resource');
      expect((await app.inject('/v1/refused')).json()).toEqual({ error: { code: 'NOTIFY_ERR_NOT_FOUND', message: 'never here' } });
    } finally {
      await other.close();
    }
  });
});
