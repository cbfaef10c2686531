import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { PushStats } from './push-stats';

const ByReason = z.object({ total: z.number().int(), byReason: z.record(z.string(), z.number().int()) });
const ProviderStats = z
  .object({
    sent: z.number().int().describe('Accepted by the provider'),
    failed: ByReason.describe('Refused for good, or given up after the last attempt'),
    invalidTokensRemoved: z.number().int().describe('Devices deactivated because the provider said their token is dead'),
    retries: ByReason.describe('Answers that asked for another attempt'),
    inFlight: z.number().int().describe('Handed to the provider and not answered yet'),
  })
  .meta({ id: 'PushProviderStats' });
const Providers = z.object({ apns: ProviderStats, fcm: ProviderStats });
const PushStatsAnswer = z.object({
  instance: z.string(),
  since: z.string().describe('When this instance started counting'),
  apps: z.record(z.string(), Providers.partial()),
  totals: Providers,
});

/**
 * `GET /v1/push/stats` (ops tokens only): this instance's push figures per app, then per provider
 * (sent, failed by reason, invalid tokens removed, retries by reason, in flight), and per provider
 * over every app. The figures are this instance's since it started; a deployment adds its instances
 * up (or reads the same series on /metrics).
 */
export function registerStatsRoutes(app: FastifyInstance, options: { stats: PushStats; tokens: readonly ApiToken[]; instance: string }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/push/stats',
    { preValidation: requireToken(options.tokens, ['admin']), schema: { summary: 'This instance’s push figures per app and provider, since it started', tags: ['push'], response: { 200: PushStatsAnswer, ...refusals(401, 403) } } },
    async () => ({ instance: options.instance, ...options.stats.view() }),
  );
}
