import { randomUUID } from 'node:crypto';
import type { Subscription } from '@notify/bus';
import { topics, type GatewayLiveness as GatewayAnnouncement, type PresenceEvent } from '@notify/contracts';
import { announcementVerifier, type AnnouncementProblem } from '@notify/contracts/gateway-announcement';
import type { ApiToken } from '@notify/http';
import type { ServiceDeps, ServiceModule } from '@notify/runtime';
import { consumePresenceEvents } from './handlers/presence-events';
import { consumeGatewayLiveness } from './handlers/presence-gateways';
import { consumePresenceState } from './handlers/presence-state';
import { registerPresenceRoutes } from './http/presence-routes';
import { GatewayLiveness } from './liveness/gateway-liveness';
import { GatewaySweeper } from './liveness/gateway-sweeper';
import { presenceMetrics } from './metrics';
import { HandOverGate } from './state/hand-over-gate';
import { PresenceTable } from './state/presence-table';
import { StatePublisher, WRITER_HEADER } from './state/state-publisher';

export interface PresenceOptions {
  intakeTokens: readonly ApiToken[];
  adminTokens: readonly ApiToken[];
  /** A gateway silent this long is taken for dead. */
  gatewayTtlMs: number;
  /** How often silent gateways are looked for. */
  sweepIntervalMs: number;
  /** The gateways' shared secret: their announcements are believed only when signed with it. */
  relaySecret: string;
}

/** The presence service as a module: the socket and liveness consumers, the state rebuild, the sweeper and the query API. */
export function createPresenceModule(deps: ServiceDeps, options: PresenceOptions): ServiceModule {
  const logger = deps.logger.child({ module: 'presence' });
  const table = new PresenceTable();
  const liveness = new GatewayLiveness(options.gatewayTtlMs);
  // Names this process's records, so it skips their echoes; a new process reads its predecessor's.
  const writerId = randomUUID();
  const headers = { [WRITER_HEADER]: writerId };
  const publisher = new StatePublisher(table, (states) => deps.bus.publish(topics.presenceState, states.map((value) => ({ value, headers }))));
  const metrics = presenceMetrics(deps.metrics, { table, liveness, publisher });
  const sendSocketEvents = (events: PresenceEvent[]) => deps.bus.publish(topics.presenceEvents, events.map((value) => ({ value })));
  const usecaseDeps = { table, liveness, publisher, sendSocketEvents, logger, now: Date.now };
  let heartbeats: Subscription | undefined;
  const sweeper = new GatewaySweeper({ ...usecaseDeps, intervalMs: options.sweepIntervalMs, onExpired: () => metrics.expiredGateways.inc(), lastHeardAt: () => heartbeats?.lastHeardAt() ?? null });
  registerPresenceRoutes(deps.http.app, { stateOf: (userId) => table.stateOf(userId), tokens: [...options.intakeTokens, ...options.adminTokens] });
  const trust = {
    verify: announcementVerifier(options.relaySecret),
    onRefused: (announcement: GatewayAnnouncement, problem: AnnouncementProblem) => {
      metrics.refusedAnnouncements.inc({ problem });
      logger.warn({ gatewayId: announcement.gatewayId, kind: announcement.kind, problem }, 'ignored a gateway announcement without a valid signature');
    },
  };
  let subscriptions: Subscription[] = [];
  return {
    name: 'presence',
    start: async () => {
      // Heartbeats flow before the rebuild, so a rebuilt gateway is heard from within its grace period.
      heartbeats = await consumeGatewayLiveness(deps.bus, usecaseDeps, deps.instanceName, trust);
      subscriptions = [heartbeats];
      const state = await consumePresenceState(deps.bus, usecaseDeps, deps.instanceName, writerId);
      subscriptions.push(state.subscription);
      const started = Date.now();
      await state.caughtUp;
      logger.info({ users: table.heldUsers, online: table.onlineUsers, ms: Date.now() - started }, 'presence.state read');
      const gate = new HandOverGate(() => state.catchUp(), (ms) => metrics.handOverCatchUpSeconds.observe(ms / 1000));
      subscriptions.push(await consumePresenceEvents(deps.bus, usecaseDeps, gate));
      sweeper.start();
    },
    stop: async () => {
      await sweeper.stop();
      await Promise.all(subscriptions.map((s) => s.stop()));
    },
  };
}
