import type { Bus, Subscription } from '@notify/bus';
import type { ApiToken } from '@notify/http';
import { Counter, metric, type Logger, type Registry } from '@notify/observability';
import { DEFAULT_TIME_ZONE, type SendTimeProfile, type SendTimeRepository } from '@notify/store';
import { consumeReadTimes } from './consume-read-times';
import { SEND_TIME_POLICY } from './read-histogram';
import { registerSendTimeRoutes } from './send-time-routes';
import type { FastifyInstance } from 'fastify';

/** A profile no read has updated for this long weighs 2⁻¹³ of what it did (under any threshold): the retention deletes it. */
export const SEND_TIME_KEEP_MS = 13 * SEND_TIME_POLICY.halfLifeMs;

export interface SendTimeWiring {
  /** For routing and dry runs: the learned read times of a batch's recipients, one store read. */
  sendTimesOf: (userIds: string[]) => Promise<Map<string, SendTimeProfile>>;
  /** Starts learning from delivery.status. */
  consume: () => Promise<Subscription>;
}

/**
 * Send-time optimisation in the router: the API that shows a user's learned hour, the consumer that
 * learns it from `read` steps, and the lookup routing uses for digests sent at the user's best hour.
 */
export function sendTimeWiring(deps: { app: FastifyInstance; bus: Bus; sendTimes: SendTimeRepository; timeZoneOf: (userId: string) => string | undefined; tokens: readonly ApiToken[]; metrics: Registry; logger: Logger }): SendTimeWiring {
  const timeZoneOf = (userId: string) => deps.timeZoneOf(userId) ?? DEFAULT_TIME_ZONE;
  registerSendTimeRoutes(deps.app, { sendTimes: deps.sendTimes, timeZoneOf, tokens: deps.tokens });
  const reads = metric(deps.metrics, 'notify_router_send_time_reads_total', () => new Counter({ name: 'notify_router_send_time_reads_total', help: 'read steps the send-time learning saw: counted (a new reading hour of the user), or same_hour (that clock hour already counted: more reads in it, other devices, redeliveries)', labelNames: ['outcome'], registers: [deps.metrics] }));
  return {
    sendTimesOf: (userIds) => deps.sendTimes.getMany(userIds),
    consume: () =>
      consumeReadTimes(deps.bus, { sendTimes: deps.sendTimes, timeZoneOf }, (learned) => {
        if (learned.counted > 0) reads.inc({ outcome: 'counted' }, learned.counted);
        if (learned.reads > learned.counted) reads.inc({ outcome: 'same_hour' }, learned.reads - learned.counted);
        if (learned.users > 0) deps.logger.debug({ users: learned.users, counted: learned.counted }, 'reading hours learned');
      }),
  };
}
