import type { Server as HttpServer } from 'node:http';
import cors from '@fastify/cors';
import type { Subscription } from '@notify/bus';
import { Counter, Gauge, Histogram, metric } from '@notify/observability';
import { DAY_MS } from '@notify/config';
import { retentionJobFor, type RetentionScheduleOptions, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import { storeSweeps } from '@notify/store';
import { clientAddressOf, type TrustProxy } from './access/client-address';
import { ConnectionAdmission } from './access/connection-admission';
import { originAllowed } from './access/cors-origins';
import type { TokenVerifier } from './auth/verify-token';
import { ConnectionHub } from './connections/connection-hub';
import { LocalConnections } from './connections/local-connections';
import { planDrain, reconnectAdvice } from './drain/drain-plan';
import { FallbackSweeper } from './fallback/fallback-sweeper';
import { consumeDeliverInapp } from './handlers/deliver-inapp';
import { consumePresenceViews } from './handlers/presence-views';
import { registerInboxRoutes } from './inbox/inbox-routes';
import { announcementVerifier } from '@notify/contracts/gateway-announcement';
import { GatewayDirectory } from './presence/gateway-directory';
import { PresencePublisher } from './presence/presence-publisher';
import { RelayClient } from './relay/relay-client';
import { defaultRelayUrl, startRelayServer, type RelayServer } from './relay/relay-server';
import { UserFanOut } from './relay/user-fan-out';
import { attachSocketServer } from './socket/socket-server';
import { registerSseRoutes } from './sse/sse-routes';
import { StreamTickets } from './sse/stream-tickets';
import { changeState, markAllRead, type ChangeStateDeps } from './usecases/change-state';
import { StateWriteBatcher } from './inbox/state-write-batcher';

export interface GatewayOptions extends RetentionScheduleOptions {
  verify: TokenVerifier;
  relaySecret: string;
  /**
   * The relay's own listener, which only other gateways call; absent: no relay (one gateway in the
   * process, as in the embedded mode). Port 0 takes a free port.
   */
  relayPort?: number | undefined;
  relayHost?: string | undefined;
  /** How other gateways reach the relay; defaults to http://<relayHost, or the hostname>:<relayPort>. */
  relayUrl?: string | undefined;
  port: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  heartbeatMs: number;
  maxBufferedPackets: number;
  maxBufferedBytes: number;
  resyncAfterMs: number;
  stallTimeoutMs: number;
  drainWindowMs: number;
  /** Time between sweeps of the due push fallbacks of the partitions this gateway holds; default 1000. */
  fallbackSweepIntervalMs?: number | undefined;
  /** Days an inbox item is kept (with the retention schedule). */
  retentionInboxDays?: number | undefined;
  /** Connections one user may hold on this instance (socket.io and SSE together); absent or 0: no cap. */
  maxConnectionsPerUser?: number | undefined;
  /** Connection attempts one client address may make per window; absent or 0: no limit. */
  connectRatePerAddress?: number | undefined;
  connectRateWindowMs?: number | undefined;
  /** Which proxies may name the client address (X-Forwarded-For); absent: none. */
  trustProxy?: TrustProxy | undefined;
  /** Origins whose pages may call the inbox API, open streams and poll socket.io (CORS); absent: same origin only. */
  corsOrigins?: readonly string[] | undefined;
  /** Deprecated: accept the user token as `?access_token=` on GET /v1/stream. */
  sseTokenInQuery?: boolean | undefined;
}

/**
 * The gateway as a module: socket.io and SSE on the process's HTTP server, the inbox API, and on a
 * listener of its own the relay other gateways use, fed by deliver.inapp. Stopping drains: no new connections, the consumer hands
 * its partitions to other instances, clients are asked to move in jittered waves, then presence hears
 * goodbye.
 */
export function createGatewayModule(deps: ServiceDeps, options: GatewayOptions): ServiceModule {
  const logger = deps.logger.child({ module: 'gateway' });
  const gatewayId = deps.instanceId;
  let draining = false;
  const isDraining = () => draining;

  const slowClients = metric(deps.metrics, 'notify_gateway_slow_clients_total', () => new Counter({ name: 'notify_gateway_slow_clients_total', help: 'Connections closed because they fell too far behind', registers: [deps.metrics] }));
  const relayFailures = metric(deps.metrics, 'notify_gateway_relay_failures_total', () => new Counter({ name: 'notify_gateway_relay_failures_total', help: 'Hand-overs to another gateway that failed (the client catches up from the inbox)', registers: [deps.metrics] }));
  const local = new LocalConnections();
  metric(deps.metrics, 'notify_gateway_connections', () => new Gauge({ name: 'notify_gateway_connections', help: 'Client connections held by this gateway', registers: [deps.metrics], collect() { this.set(local.size); } }));

  const rejectedAnnouncements = metric(deps.metrics, 'notify_gateway_directory_rejected_total', () => new Counter({ name: 'notify_gateway_directory_rejected_total', help: 'Announcements on presence.gateways ignored because their signature is missing or wrong (a relay address no gateway of this deployment gave)', labelNames: ['reason'], registers: [deps.metrics] }));
  const directory = new GatewayDirectory(announcementVerifier(options.relaySecret), (event, problem) => {
    rejectedAnnouncements.inc({ reason: problem });
    logger.warn({ gatewayId: event.gatewayId, kind: event.kind, relayUrl: event.kind === 'gateway_heartbeat' ? event.relayUrl : undefined, problem }, 'ignored an announcement on presence.gateways that no gateway of this deployment signed');
  });
  const presence = new PresencePublisher(deps.bus, gatewayId, options.relaySecret, logger);
  const fanOut = new UserFanOut(gatewayId, local, directory, new RelayClient(options.relaySecret, logger, 2000, () => relayFailures.inc()));
  // Push fallbacks live in the inbox; this gateway pushes the due ones of the deliver.inapp partitions it holds.
  const heldPartitions = () => deliveries?.assignedPartitions() ?? [];
  const fallbacksPushed = metric(deps.metrics, 'notify_gateway_fallbacks_pushed_total', () => new Counter({ name: 'notify_gateway_fallbacks_pushed_total', help: 'Push fallbacks sent: in-app notifications no device acknowledged in time', registers: [deps.metrics] }));
  const fallbacksShed = metric(deps.metrics, 'notify_gateway_fallbacks_shed_total', () => new Counter({ name: 'notify_gateway_fallbacks_shed_total', help: "Push fallbacks not sent because the user's daily budget was spent: kept in the inbox", registers: [deps.metrics] }));
  const fallbacksCancelled = metric(deps.metrics, 'notify_gateway_fallbacks_cancelled_total', () => new Counter({ name: 'notify_gateway_fallbacks_cancelled_total', help: 'Push fallbacks found acknowledged when due: not sent', registers: [deps.metrics] }));
  const fallbackLateness = metric(deps.metrics, 'notify_gateway_fallback_lateness_seconds', () => new Histogram({ name: 'notify_gateway_fallback_lateness_seconds', help: 'How long after its due time a push fallback was sent (the sweep interval, or a partition changing hands)', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [deps.metrics] }));
  metric(deps.metrics, 'notify_gateway_fallback_partitions', () => new Gauge({ name: 'notify_gateway_fallback_partitions', help: 'Partitions of deliver.inapp whose push fallbacks this gateway sweeps', registers: [deps.metrics], collect() { this.set(heldPartitions().length); } }));
  const fallbackSweeper = new FallbackSweeper(
    { bus: deps.bus, inbox: deps.store.inbox, budgets: deps.store.budgets, gatewayId },
    {
      intervalMs: options.fallbackSweepIntervalMs ?? 1000,
      partitions: heldPartitions,
      logger,
      onSwept: ({ pushed, cancelled, shed }) => {
        fallbacksPushed.inc(pushed.length);
        fallbacksCancelled.inc(cancelled);
        fallbacksShed.inc(shed);
        for (const lateMs of pushed) fallbackLateness.observe(lateMs / 1000);
      },
    },
  );
  const stateWrites = new StateWriteBatcher(deps.store.inbox);
  metric(deps.metrics, 'notify_gateway_state_writes_waiting', () => new Gauge({ name: 'notify_gateway_state_writes_waiting', help: 'Client state changes (acks, seen, read) waiting to be merged into the next write of marks, or being written', registers: [deps.metrics], collect() { this.set(stateWrites.waiting); } }));
  const stateDeps: ChangeStateDeps = { bus: deps.bus, inbox: deps.store.inbox, fanOut, gatewayId, recordStates: (userId, ids, state) => stateWrites.recordStates(userId, ids, state) };
  const refusedConnections = metric(deps.metrics, 'notify_gateway_connections_refused_total', () => new Counter({ name: 'notify_gateway_connections_refused_total', help: 'Connections refused by a cap (code: NOTIFY_ERR_RATE_LIMITED per address, NOTIFY_ERR_TOO_MANY_CONNECTIONS per user)', labelNames: ['code'], registers: [deps.metrics] }));
  const admission = new ConnectionAdmission(
    { maxConnectionsPerUser: options.maxConnectionsPerUser ?? 0, connectRatePerAddress: options.connectRatePerAddress ?? 0, connectRateWindowMs: options.connectRateWindowMs ?? 60_000 },
    (refusal) => refusedConnections.inc({ code: refusal.code }),
  );
  const clientAddress = clientAddressOf(options.trustProxy ?? false);
  const corsOrigins = options.corsOrigins ?? [];
  // Any instance redeems a ticket another issued: the key comes from the secret they all share, used tickets are remembered in the shared store.
  const tickets = new StreamTickets(options.relaySecret, deps.store.idempotency);
  const hub = new ConnectionHub({ inbox: deps.store.inbox, local, presence, logger, resyncAfterMs: options.resyncAfterMs, stallTimeoutMs: options.stallTimeoutMs, onSlowClient: () => slowClients.inc() });

  const io = attachSocketServer(deps.http.app.server as HttpServer, {
    verify: options.verify,
    hub,
    logger,
    pingIntervalMs: options.pingIntervalMs,
    pingTimeoutMs: options.pingTimeoutMs,
    maxBufferedPackets: options.maxBufferedPackets,
    isDraining,
    admission,
    clientAddress,
    corsOrigins,
    changeState: (userId, ids, state, origin, handed) => changeState(stateDeps, userId, ids, state, origin, handed),
    markAllRead: (userId, origin) => markAllRead(stateDeps, userId, origin),
  });
  // What a browser page calls, in a scope of its own: CORS answers for the listed origins only (no headers for the others, and their preflights find no route).
  void deps.http.app.register(async (browser) => {
    await browser.register(cors, {
      origin: (origin, allow) => allow(null, originAllowed(corsOrigins, origin) ? origin! : false),
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'last-event-id'],
      exposedHeaders: ['retry-after'],
      maxAge: 600,
    });
    registerSseRoutes(browser, { verify: options.verify, tickets, hub, maxBufferedBytes: options.maxBufferedBytes, isDraining, allowTokenInQuery: options.sseTokenInQuery, admission, clientAddress });
    registerInboxRoutes(browser, {
      inbox: deps.store.inbox,
      verify: options.verify,
      changeState: (userId, ids, state) => changeState(stateDeps, userId, ids, state),
      markAllRead: (userId) => markAllRead(stateDeps, userId),
    });
  });

  // The gateway writes the inbox: expired and old items go, with their state marks.
  const retention = retentionJobFor(deps, options, [storeSweeps.inbox(deps.store, (options.retentionInboxDays ?? 90) * DAY_MS)]);

  let deliveries: Subscription | undefined;
  let views: Subscription[] = [];
  let relay: RelayServer | undefined;
  return {
    name: 'gateway',
    start: async () => {
      const directoryViews = await consumePresenceViews(deps.bus, directory, deps.instanceName);
      views = directoryViews.subscriptions;
      // The relay listens before its address is announced, so no gateway calls it before it answers.
      const relayHost = options.relayHost ?? '127.0.0.1';
      if (options.relayPort !== undefined) relay = await startRelayServer({ secret: options.relaySecret, local, metrics: deps.metrics, logger, port: options.relayPort, host: relayHost });
      const relayUrl = relay ? (options.relayUrl ?? defaultRelayUrl(relayHost, relay.port)) : undefined;
      await presence.startHeartbeat(options.heartbeatMs, () => local.size, relayUrl);
      retention?.start();
      const catchingUp = Date.now();
      await directoryViews.caughtUp;
      logger.info({ ms: Date.now() - catchingUp, gateways: directory.knownGateways }, 'presence directory caught up');
      deliveries = await consumeDeliverInapp(deps.bus, { bus: deps.bus, inbox: deps.store.inbox, fanOut, gatewayId });
      fallbackSweeper.start();
    },
    stop: async () => {
      draining = true;
      await retention?.stop();
      // Nothing fires early: pending fallbacks stay in the inbox for the gateways that take the partitions.
      await fallbackSweeper.stop();
      // Partitions move to the other gateways, which relay to the clients still connected here.
      await deliveries?.stop();
      await drainConnections(local, options.drainWindowMs, logger);
      await presence.stop();
      for (const view of views) await view.stop();
      io.disconnectSockets(true);
      // Last: while connections drained, other gateways still relayed to them.
      await relay?.close();
    },
  };
}

/**
 * Asks every connection to move, spread over the window; resolves when all have gone (those that
 * leave on their own before their turn are not waited for), or the window plus a grace has passed.
 */
async function drainConnections(local: LocalConnections, windowMs: number, logger: ServiceDeps['logger']): Promise<void> {
  const plan = planDrain(local.all(), windowMs);
  if (plan.length === 0) return;
  logger.info({ connections: plan.length, windowMs }, 'draining connections');
  const started = Date.now();
  const turns = plan.map(({ connection: feed, atMs }) => setTimeout(() => feed.connection.drain(reconnectAdvice()), atMs));
  const deadline = started + windowMs + 2000;
  while (local.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const turn of turns) clearTimeout(turn);
  logger.info({ left: local.size, tookMs: Date.now() - started }, 'drained');
}
