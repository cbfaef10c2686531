import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import { HttpError } from '@notify/http';

/** Requests one token may make per window; `max` 0 turns the limit off. */
export interface IntakeRateLimit {
  max: number;
  windowMs: number;
}

/**
 * @fastify/rate-limit for intake, counted per producer token: it runs as a preHandler after the
 * token check (which names the caller), so one team's burst cannot take another's share, and a
 * request without a valid token is refused before it counts. Each router instance counts alone.
 */
export function intakeRateLimitOptions(limit: IntakeRateLimit): RateLimitPluginOptions {
  return {
    global: true,
    hook: 'preHandler',
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => (request.caller ? `token:${request.caller.name}` : `address:${request.ip}`),
    // Thrown by the plugin (after it set Retry-After), answered by the server's error handler as the catalogue says.
    errorResponseBuilder: (request, context) =>
      new HttpError('NOTIFY_ERR_RATE_LIMITED', `token "${request.caller?.name ?? '?'}" made more than ${context.max} requests in ${context.after}; retry after ${Math.max(1, Math.ceil(context.ttl / 1000))} s`),
  };
}
