import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UserId } from '@notify/contracts';
import { refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
import { DEFAULT_TIME_ZONE, type SendTimeRepository } from '@notify/store';
import { chooseSendTime } from './best-hour';
import { SEND_TIME_POLICY, weightsAt, type SendTimePolicy } from './read-histogram';

const DAY_MS = 24 * 60 * 60 * 1000;
const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');
const round = (n: number) => Math.round(n * 1000) / 1000;

const SendTime = z
  .object({
    userId: z.string(),
    timeZone: z.string().describe('The user’s time zone now: reads are placed on this clock, digests are sent by it'),
    hour: z.number().int().min(0).max(23).nullable().describe('The local hour the user’s reads point at (null: no read counted)'),
    learned: z.boolean().describe('Enough data: a digest with sendAt "best" goes out at `hour`'),
    usesFallback: z.boolean().describe('Not enough data yet (or a habit decayed away): such a digest goes out at its rule’s fallbackAt'),
    sendAt: z.string().nullable().describe('The local time such a digest goes out at: the learned hour, or the fallbackAt asked for (null when neither)'),
    confidence: z.number().min(0).max(1).describe('The share of the user’s reading weight within an hour of `hour`'),
    samples: z.number().int().describe('Reading hours counted: each clock hour the user read in counts once'),
    weight: z.number().describe('Their weight now, each decayed by its age'),
    histogram: z.array(z.number()).length(24).describe('The weight now of each local hour, 00:00 first'),
    threshold: z.object({ minSamples: z.number().int(), minWeight: z.number(), halfLifeDays: z.number() }).describe('When the learned hour is used, and how fast reads fade'),
    updatedAt: z.date().nullable().describe('When a read last changed it'),
  })
  .meta({ id: 'SendTime' });

/**
 * A user's learned send time, for the product's backend and ops (admin tokens, or producer tokens
 * with preferences:read, as the user's preferences): the hour their reads point at, whether it is
 * trusted yet, the histogram behind it.
 */
export function registerSendTimeRoutes(app: FastifyInstance, deps: { sendTimes: Pick<SendTimeRepository, 'get'>; timeZoneOf: (userId: string) => string; tokens: readonly ApiToken[]; policy?: SendTimePolicy }): void {
  const policy = deps.policy ?? SEND_TIME_POLICY;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/users/:userId/send-time',
    {
      preValidation: requireScope(deps.tokens, 'preferences:read'),
      schema: {
        summary: 'When a digest that asks for the user’s best hour is sent, learned from when they read',
        tags: ['preferences'],
        params: z.object({ userId: UserId }),
        querystring: z.object({ fallbackAt: HourMinute.optional().describe('A rule’s fallbackAt: the answer’s sendAt is then what that rule sends at') }),
        response: { 200: SendTime, ...refusals(400, 401, 403) },
      },
    },
    async (request) => {
      const { userId } = request.params;
      const now = new Date();
      const profile = await deps.sendTimes.get(userId);
      const choice = chooseSendTime(profile, request.query.fallbackAt ?? '00:00', now, policy);
      const learned = choice.source === 'learned';
      return {
        userId,
        timeZone: deps.timeZoneOf(userId) || DEFAULT_TIME_ZONE,
        hour: choice.hour,
        learned,
        usesFallback: !learned,
        sendAt: learned || request.query.fallbackAt ? choice.sendAt : null,
        confidence: round(choice.confidence),
        samples: choice.samples,
        weight: round(choice.weight),
        histogram: profile ? weightsAt(profile, now, policy).map(round) : new Array<number>(24).fill(0),
        threshold: { minSamples: policy.minSamples, minWeight: policy.minWeight, halfLifeDays: policy.halfLifeMs / DAY_MS },
        updatedAt: profile?.updatedAt ?? null,
      };
    },
  );
}
