import type { FastifyInstance } from 'fastify';
import { requireToken, type ApiToken } from '@notify/http';
import type { PushStats, PushStatsView } from './push-stats';

/**
 * `GET /v1/push/stats` (ops tokens only): this instance's push figures per app, then per provider
 * (sent, failed by reason, invalid tokens removed, retries by reason, in flight), and per provider
 * over every app. The figures are this instance's since it started; a deployment adds its instances
 * up (or reads the same series on /metrics).
 */
export function registerStatsRoutes(app: FastifyInstance, options: { stats: PushStats; tokens: readonly ApiToken[]; instance: string }): void {
  app.get('/v1/push/stats', { preHandler: requireToken(options.tokens, ['admin']) }, async (): Promise<{ instance: string } & PushStatsView> => ({ instance: options.instance, ...options.stats.view() }));
}
