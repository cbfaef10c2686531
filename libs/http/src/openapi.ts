import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorCatalogue, type ErrorCode } from './errors';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** Where a service's OpenAPI document and its rendered page are served. */
export const OPENAPI_PATH = '/openapi.json';
export const API_DOCS_PATH = '/docs';

/**
 * The OpenAPI 3.1 document of every route declared with zod schemas, generated from those schemas.
 * It sees only routes added by plugins registered after this one (`app.register(routes)`), which is
 * how services add theirs.
 */
export function registerOpenApi(app: FastifyInstance, info: OpenApiInfo): void {
  const routes: RouteRecord[] = [];
  declaredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    // HEAD routes are fastify's own copies of GET routes.
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, hidden });
  });
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token, or, for /v1/me routes, the user’s JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  void app.register(async (scoped) => {
    scoped.get(OPENAPI_PATH, { schema: { hide: true } }, async () => withoutUnusedSchemas(scoped.swagger() as OpenApiDocument));
  });
  // The page's assets are served from the package itself: nothing is fetched from a CDN.
  void app.register(swaggerUi, { routePrefix: API_DOCS_PATH, uiConfig: { docExpansion: 'list', deepLinking: true } });
}

interface OpenApiDocument {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> } & Record<string, unknown>;
}

/**
 * The document with only the named schemas its routes use. Named schemas are shared by every service
 * a process loads (one registry): a process describes its own, not those of the code it imports.
 */
export function withoutUnusedSchemas<D extends OpenApiDocument>(doc: D): D {
  const all = doc.components?.schemas;
  if (!all) return doc;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')) {
        const name = inner.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(all[name]);
        }
      } else visit(inner);
    }
  };
  visit(doc.paths);
  return { ...doc, components: { ...doc.components, schemas: Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name))) } };
}

/** A route as it was added: hidden ones chose to stay out of the document (static pages, the document itself). */
export interface RouteRecord {
  method: string;
  url: string;
  hidden: boolean;
}

const declaredRoutes = new WeakMap<FastifyInstance, RouteRecord[]>();

/**
 * The routes the app serves that its OpenAPI document does not describe with at least a summary:
 * `GET /v1/things/:id`, one a line. Empty when every route is documented (or chose to be hidden).
 */
export async function undocumentedRoutes(app: FastifyInstance): Promise<string[]> {
  const routes = declaredRoutes.get(app);
  if (!routes) throw new Error('this server does not describe its routes (createHttpServer without openapi)');
  await app.ready();
  const paths = (app.swagger() as { paths?: Record<string, Record<string, { summary?: string }>> }).paths ?? {};
  return routes
    .filter((route) => !route.hidden && !paths[openApiPath(route.url)]?.[route.method.toLowerCase()]?.summary)
    .map((route) => `${route.method} ${route.url}`);
}

/** `/v1/users/:userId/preferences` as OpenAPI writes it: `/v1/users/{userId}/preferences`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The body of every refusal: a code from the catalogue (docs/errors.md) and what was wrong. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]]).describe('See docs/errors.md'),
      message: z.string().describe('What was wrong, naming the field or the resource'),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** The refusals a route documents, by status: `response: { 200: Thing, ...refusals(400, 401, 404) }`. */
export function refusals(...statuses: readonly number[]): Record<number, z.ZodLazy<typeof ErrorResponse>> {
  // Each status is described by the catalogue's codes for it; the body stays one named schema.
  return Object.fromEntries(statuses.map((status) => [status, z.lazy(() => ErrorResponse).describe(refusalText(status))]));
}

function refusalText(status: number): string {
  const codes = Object.entries(errorCatalogue).filter(([, entry]) => entry.status === status);
  return codes.length === 0 ? 'Refused' : codes.map(([code, entry]) => `${code}: ${entry.message}`).join('; ');
}
