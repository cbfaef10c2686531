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
    scoped.get(OPENAPI_PATH, { schema: { hide: true } }, async () => scoped.swagger());
  });
  // The page's assets are served from the package itself: nothing is fetched from a CDN.
  void app.register(swaggerUi, { routePrefix: API_DOCS_PATH, uiConfig: { docExpansion: 'list', deepLinking: true } });
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
export function refusals(...statuses: readonly number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponse]));
}
