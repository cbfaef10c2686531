import type { FastifyInstance } from 'fastify';
import type { Bus } from '@notify/bus';
import { z } from 'zod';
import { HttpError, refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';
import type { DigestRepository } from '@notify/store';
import type { LaneTopic } from './lane-topics';
import { lanesReport } from './lanes-report';
import type { LanesSampler } from './lanes-sampler';
import type { RoutedToSocket } from './routed-to-socket';

/** Rates are measured over up to this long: recent enough to be live, long enough to be steady. */
const RATE_WINDOW_MS = 60_000;

export interface LanesRouteDeps {
  bus: Bus;
  lanes: readonly LaneTopic[];
  sampler: LanesSampler;
  sampleEveryMs: number;
  latency: RoutedToSocket;
  digests: DigestRepository;
  tokens: readonly ApiToken[];
}

/** GET /v1/admin/lanes: throughput, consumer lag and backlog per lane and topic, routed → socket latency, digests waiting. */
export function registerLanesRoutes(app: FastifyInstance, deps: LanesRouteDeps): void {
  const preValidation = requireToken(deps.tokens, ['admin']);
  const report = z.looseObject({ transport: z.enum(['kafka', 'memory']), sampledAt: z.string(), topics: z.array(z.looseObject({ topic: z.string() })) }).describe('Per lane: its topics with rates, lag and backlog; latency percentiles; digests waiting');
  app.withTypeProvider<ZodTypeProvider>().get('/v1/admin/lanes', { preValidation, schema: { summary: 'Throughput, consumer lag and backlog per priority lane, routed → socket latency, digests waiting', tags: ['lanes'], response: { 200: report, ...refusals(401, 403, 503) } } }, async () => {
    const [sample, digests] = await Promise.all([
      deps.sampler.current().catch((err: Error) => {
        throw new HttpError('NOTIFY_ERR_UNAVAILABLE', `could not read the lanes’ offsets from the bus: ${err.message}`);
      }),
      deps.digests.waiting(),
    ]);
    const answer = lanesReport({
      transport: deps.bus.kind,
      lanes: deps.lanes,
      sample,
      history: deps.sampler.history,
      sampleEveryMs: deps.sampleEveryMs,
      rateWindowMs: RATE_WINDOW_MS,
      latency: deps.latency.summary(),
      digests,
      backgroundWaiting: deps.bus.backgroundWaiting(),
      now: new Date(),
    });
    // LanesReport names every field; the schema documents the outline and lets each through.
    return answer as typeof answer & z.infer<typeof report>;
  });
}
