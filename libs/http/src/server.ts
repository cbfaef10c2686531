import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { structuralProblem } from '@notify/contracts';
import { runHealthChecks, type HealthCheck, type Logger, type Registry } from '@notify/observability';
import { HttpError, errorCatalogue, type ErrorBody, type ErrorCode } from './errors';
import { registerOpenApi, type OpenApiInfo } from './openapi';

export interface HttpServerOptions {
  logger: Logger;
  metrics: Registry;
  /** Dependencies /readyz checks (kafka, mongo, ...). */
  checks?: readonly HealthCheck[];
  bodyLimitBytes?: number;
  /** Describe the routes as OpenAPI 3.1 at `/openapi.json`, rendered at `/docs`. */
  openapi?: OpenApiInfo;
}

export interface HttpServer {
  app: FastifyInstance;
  /** Readiness goes false at once (load balancers stop sending), the process keeps serving what it has. */
  markDraining(): void;
  isDraining(): boolean;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fastify instance with the ops routes every service has:
 * `/healthz` (the process is alive), `/readyz` (every dependency answers and we are not draining), `/metrics`.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const app = Fastify({
    loggerInstance: options.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Per-request access logs would drown the service's own lines; metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
  });
  let draining = false;
  const checks = options.checks ?? [];
  // Each route declares its zod schemas once: fastify validates requests and serializes answers with
  // them, and the OpenAPI document is generated from them.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  if (options.openapi) registerOpenApi(app, options.openapi);

  // JSON bodies are judged at the door, for every route: a reserved key (`__proto__`, …) or nesting
  // deep enough to overflow a recursive serializer later is a 400 naming the path, not a misleading
  // "not valid JSON" or a 500. (V8's JSON.parse itself does not recurse.)
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new HttpError('NOTIFY_ERR_VALIDATION', 'the body is empty; send a JSON document'), undefined);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return done(new HttpError('NOTIFY_ERR_VALIDATION', `the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
    const problem = structuralProblem(json, MAX_BODY_DEPTH);
    if (problem) return done(new HttpError('NOTIFY_ERR_VALIDATION', problem), undefined);
    done(null, json);
  });

  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    const body = toErrorBody(err);
    const status = err instanceof HttpError ? err.status : errorCatalogue[body.error.code].status;
    if (status >= 500) request.log.error({ err }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'NOTIFY_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url}` } } satisfies ErrorBody);
  });

  // In a plugin, loaded after the OpenAPI one, so the document describes them too.
  void app.register(async (scoped) => {
    const ops = (summary: string) => ({ schema: { summary, tags: ['ops'], security: [] } });
    scoped.get('/healthz', ops('The process is alive'), async () => ({ ok: true }));
    scoped.get('/readyz', ops('Every dependency answers and the process is not draining: 200, else 503 with each check'), async (_request, reply) => {
      const report = await runHealthChecks(checks);
      const ready = report.ok && !draining;
      return reply.status(ready ? 200 : 503).send({ ready, draining, checks: report.checks });
    });
    scoped.get('/metrics', ops('Prometheus metrics (text exposition format)'), async (_request, reply) => {
      return reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics());
    });
  });

  return {
    app,
    markDraining: () => {
      draining = true;
    },
    isDraining: () => draining,
    listen: async (port, host) => app.listen({ port, host }),
    close: async () => {
      // Closing cuts idle keep-alive connections but waits for the others, including one opened just
      // before that has not sent its request yet, which only headersTimeout (60 s) would end. Every
      // module has stopped by now: whatever is still open after a short grace is cut.
      const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/** How long requests still in flight when the server closes get to finish. */
const CLOSE_GRACE_MS = 1000;

/** How deep any JSON body may nest; each route's schema may allow less (an event: see EVENT_LIMITS). */
const MAX_BODY_DEPTH = 32;

/** Maps fastify's own errors (body too large, bad JSON, schema failures) onto the catalogue. */
function toErrorBody(err: FastifyError | HttpError): ErrorBody {
  if (err instanceof HttpError) {
    return { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
  }
  if (hasZodFastifySchemaValidationErrors(err)) return { error: { code: 'NOTIFY_ERR_VALIDATION', message: describeValidation(err.validationContext, err.validation) } };
  const byFastifyCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'NOTIFY_ERR_PAYLOAD_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'NOTIFY_ERR_UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'NOTIFY_ERR_VALIDATION',
    FST_ERR_CTP_INVALID_JSON_BODY: 'NOTIFY_ERR_VALIDATION',
  };
  const code = byFastifyCode[err.code] ?? (err.validation ? 'NOTIFY_ERR_VALIDATION' : err.statusCode && err.statusCode < 500 ? 'NOTIFY_ERR_VALIDATION' : 'NOTIFY_ERR_INTERNAL');
  const message = code === 'NOTIFY_ERR_INTERNAL' ? errorCatalogue.NOTIFY_ERR_INTERNAL.message : err.message;
  return { error: { code, message } };
}

/** "body: optOuts.0.channel: Invalid option…; timeZone: …", as the bus describes a refused event. */
function describeValidation(context: string | undefined, issues: ReadonlyArray<{ instancePath: string; message?: string | undefined }>): string {
  const described = issues.slice(0, 10).map((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    return `${path || '(root)'}: ${issue.message ?? 'invalid'}`;
  });
  return `${context ?? 'request'}: ${described.join('; ')}`;
}
