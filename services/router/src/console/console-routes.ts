import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';

/**
 * Where `nx build console` writes the ops console: the dist folder of the `@notify/console` package,
 * found the way node finds packages, so the same lookup works from the sources and from the compiled
 * build. Without the package the folder is missing and /console explains how to build it.
 */
export const DEFAULT_CONSOLE_DIR = consoleBuildDir();

function consoleBuildDir(): string {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('@notify/console/package.json')), 'dist');
  } catch {
    return fileURLToPath(new URL('./console-not-installed', import.meta.url));
  }
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Console not built</title>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>The console is not built</h1>
<p>This router serves the ops console from static files that are not there yet. Build them with
<code>npx nx build console</code> (or <code>npm start</code>, which builds them first), then reload.</p></body></html>`;

/**
 * The ops console at /console: the static files of the console's build, and the one API only it
 * needs (who the token belongs to). Without a build, /console answers 503 with how to build it.
 */
export function registerConsoleRoutes(app: FastifyInstance, deps: { tokens: readonly ApiToken[]; dir?: string }): void {
  const dir = deps.dir ?? DEFAULT_CONSOLE_DIR;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/admin/whoami',
    { preValidation: requireToken(deps.tokens, ['admin']), schema: { summary: 'Whose admin token this is (the console signs in with it)', tags: ['console'], response: { 200: z.object({ name: z.string() }), ...refusals(401, 403) } } },
    async (request) => ({ name: request.caller!.name }),
  );
  // The console's pages are static files, not API: they stay out of the OpenAPI document.
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  if (!existsSync(path.join(dir, 'index.html'))) {
    app.get('/console/*', { schema: { hide: true } }, async (_request, reply) => reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  // Hashed assets may be cached for good; index.html names the current ones, so it is never cached.
  app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    setHeaders: (reply, file) => reply.header('cache-control', path.basename(file) === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable'),
  });
}
