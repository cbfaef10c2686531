import type { Subscription } from '@notify/bus';
import { DAY_MS } from '@notify/config';
import { intakeLaneOf, type NotifyEvent } from '@notify/contracts';
import type { ApiToken } from '@notify/http';
import { Counter, Gauge, Histogram, metric } from '@notify/observability';
import { retentionJobFor, type RetentionScheduleOptions, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import { storeSweeps } from '@notify/store';
import { registerRulesRoutes } from './admin/rules-routes';
import { registerConsoleRoutes } from './console/console-routes';
import { consumeIntake } from './handlers/intake';
import { consumeRuleChanges } from './handlers/rules-changes';
import { EventSenders } from './intake/event-senders';
import { registerHttpIntake } from './intake/http-intake';
import { unknownType } from './usecases/route-event';
import { DigestFlusher } from './digests/digest-flusher';
import { DEFAULT_MARKETING_BATCHING } from './rules/defaults';
import { registerPreferencesRoutes } from './preferences/preferences-routes';
import { followPreferences, followPresence } from './handlers/state-views';
import { PreferencesView } from './preferences/preferences-view';
import { QUIET_HOURS_DIGEST, QUIET_HOURS_TEMPLATE } from './preferences/quiet-hours';
import { BUDGET_DIGEST_PREFIX, BUDGET_DIGEST_TEMPLATE } from './budgets/decide-budget';
import { PresenceView } from './presence/presence-view';
import { consumeStatusTrail } from './status-trail/status-trail';
import { registerStatusRoutes } from './status-trail/status-routes';
import { RulesCache } from './rules/rules-cache';
import { RuleHits, type RuleHitOutcome } from './rules/rule-hits';
import { RecentEvents } from './rules/recent-events';
import { RateSlots } from './usecases/rate-cap';
import { registerTopicRoutes } from './topics/topics-routes';
import { laneTopics } from './lanes/lane-topics';
import { LanesSampler } from './lanes/lanes-sampler';
import { registerLanesRoutes } from './lanes/lanes-routes';
import { RoutedToSocket } from './lanes/routed-to-socket';
import { DeadLetterIndex } from './dead-letters/dead-letter-index';
import { registerDeadLetterRoutes } from './dead-letters/dead-letter-routes';
import { followDeadLetters } from './dead-letters/follow-dead-letters';
import { registerUserTrailRoutes } from './status-trail/user-trail-routes';
import { SEND_TIME_KEEP_MS, sendTimeWiring } from './send-time/send-time-module';
import { EscalationSweeper } from './escalations/escalation-sweeper';

/** A sent digest is kept this long: an event redelivered before its claim was written still finds its item. */
const SENT_DIGEST_GRACE_MS = 24 * 60 * 60 * 1000;
/** A finished escalation ladder is kept this long: an event redelivered meanwhile finds it and starts no second one. */
const FINISHED_ESCALATION_GRACE_MS = 24 * 60 * 60 * 1000;

export interface RouterOptions extends RetentionScheduleOptions {
  maxBatchEvents: number;
  intakeTokens: readonly ApiToken[];
  adminTokens: readonly ApiToken[];
  rulesRefreshMs: number;
  /** How often due digests are looked for. */
  digestTickMs: number;
  /** Time between sweeps of the due escalation steps of the intake partitions this router owns; 1 s by default. */
  escalationSweepMs?: number;
  /** How long a claimed escalation step stays its router's before another takes it over; 30 s by default. */
  escalationLeaseMs?: number;
  /** Longest POST /v1/events waits for Kafka before a 503; 2 s by default. */
  intakeTimeoutMs?: number;
  /** Requests per window each token may make to POST /v1/events; absent or 0: no limit. */
  intakeRateLimit?: number;
  intakeRateWindowMs?: number;
  /** How long an event id is remembered (deduplication); 7 days by default. */
  dedupWindowMs?: number;
  /** Days the status trail is kept (with the retention schedule). */
  retentionDeliveryLogDays?: number | undefined;
  /** Memory for the console's view of the dead-letter topic; 64 MB by default. */
  deadLettersIndexMb?: number;
  /** Days the dead-letter action log is kept; 90 by default. */
  retentionDeadLetterActionsDays?: number | undefined;
  /** How often the Lanes page's offsets are sampled; 5 s by default. */
  lanesSampleMs?: number;
  /** How far back lane samples and latencies are kept; 5 minutes by default. */
  lanesHistoryMs?: number;
  /** The ops console's built files (served at /console); apps/console/dist by default. */
  consoleDir?: string;
}

/** The router as a module: HTTP intake, the rules admin API, and the consumers of both intake lanes. */
export function createRouterModule(deps: ServiceDeps, options: RouterOptions): ServiceModule {
  const cache = new RulesCache(deps.store.rules, deps.logger.child({ module: 'rules' }));
  const tokens = [...options.intakeTokens, ...options.adminTokens];
  // Who sent an event is remembered as long as its status trail is kept.
  const senders = new EventSenders(deps.store.idempotency, (options.retentionDeliveryLogDays ?? 30) * DAY_MS);
  registerHttpIntake(deps.http.app, {
    bus: deps.bus,
    maxBatchEvents: options.maxBatchEvents,
    ...(options.intakeTimeoutMs ? { publishTimeoutMs: options.intakeTimeoutMs } : {}),
    tokens,
    senders,
    laneOf: (event) => intakeLaneOf(cache.current.evaluate(event).outcome.priority),
    refuse: (event) => unknownType(event, cache.current.evaluate(event).ruleId),
    rateLimit: { max: options.intakeRateLimit ?? 0, windowMs: options.intakeRateWindowMs ?? 1000 },
  });
  registerPreferencesRoutes(deps.http.app, { preferences: deps.store.preferences, bus: deps.bus, tokens, budgets: deps.store.budgets });
  const preferences = new PreferencesView();
  metric(deps.metrics, 'notify_router_preferences_view_users', () => new Gauge({ name: 'notify_router_preferences_view_users', help: 'Users whose preferences this router holds in memory (from preferences.state)', registers: [deps.metrics], collect() { this.set(preferences.size); } }));
  registerTopicRoutes(deps.http.app, { topics: deps.store.topics, tokens });
  const flusher = new DigestFlusher({
    digests: deps.store.digests,
    bus: deps.bus,
    templateFor: (digestKey) => (digestKey === QUIET_HOURS_DIGEST ? QUIET_HOURS_TEMPLATE : digestKey.startsWith(BUDGET_DIGEST_PREFIX) ? BUDGET_DIGEST_TEMPLATE : (cache.current.batchingOf(digestKey) ?? DEFAULT_MARKETING_BATCHING)),
    logger: deps.logger.child({ module: 'digests' }),
    rateCapFor: (digestKey) => cache.current.rateCapOf(digestKey),
    idempotency: deps.store.idempotency,
  });
  const sendFull = (bucketId: string) => void flusher.send(bucketId).catch((err) => deps.logger.error({ err, bucketId }, 'sending a full digest failed; the next tick retries'));
  const presence = new PresenceView();
  // No cap: the view holds only users online now (offline is the default and has no entry), which is the state it mirrors.
  metric(deps.metrics, 'notify_router_presence_view_users', () => new Gauge({ name: 'notify_router_presence_view_users', help: 'Users online in this router’s view of presence.state (only online users are held)', registers: [deps.metrics], collect() { this.set(presence.onlineCount); } }));
  const rateSlots = new RateSlots(deps.store.idempotency);
  // Digests at each user's best hour, learned from when they read (GET /v1/users/:userId/send-time shows it).
  const sendTime = sendTimeWiring({ app: deps.http.app, bus: deps.bus, sendTimes: deps.store.sendTimes, timeZoneOf: (userId) => preferences.get(userId)?.timeZone, tokens, metrics: deps.metrics, logger: deps.logger.child({ module: 'send-time' }) });
  const { sendTimesOf } = sendTime;
  metric(deps.metrics, 'notify_router_rate_cap_windows', () => new Gauge({ name: 'notify_router_rate_cap_windows', help: 'Rate-cap windows (user, rule) whose next free slot this router remembers (bounded; a hint only)', registers: [deps.metrics], collect() { this.set(rateSlots.size); } }));
  registerStatusRoutes(deps.http.app, { log: deps.store.deliveryLog, tokens, senders });
  registerUserTrailRoutes(deps.http.app, { log: deps.store.deliveryLog, tokens });
  const deadLetters = new DeadLetterIndex((options.deadLettersIndexMb ?? 64) * 1024 * 1024);
  let deadLettersView: ReturnType<typeof followDeadLetters> | undefined;
  registerDeadLetterRoutes(deps.http.app, { index: deadLetters, actions: deps.store.deadLetterActions, bus: deps.bus, tokens, catchUp: async () => (await deadLettersView)?.catchUp() });
  registerConsoleRoutes(deps.http.app, { tokens: options.adminTokens, ...(options.consoleDir ? { dir: options.consoleDir } : {}) });
  const lanesSampleMs = options.lanesSampleMs ?? 5000;
  const lanesHistoryMs = options.lanesHistoryMs ?? 300_000;
  const lanesSampler = new LanesSampler(deps.bus, laneTopics, lanesSampleMs, lanesHistoryMs, deps.logger.child({ module: 'lanes' }));
  const routedToSocket = new RoutedToSocket(lanesHistoryMs);
  registerLanesRoutes(deps.http.app, { bus: deps.bus, lanes: laneTopics, sampler: lanesSampler, sampleEveryMs: lanesSampleMs, latency: routedToSocket, digests: deps.store.digests, tokens: options.adminTokens });
  // What each rule decided, for /metrics and the console, and the last events per type for its dry runs.
  const ruleHits = new RuleHits(deps.metrics);
  const recentEvents = new RecentEvents();
  const onDecided = (event: NotifyEvent, ruleId: string | null, outcome: RuleHitOutcome) => {
    ruleHits.hit(ruleId, outcome);
    recentEvents.add(event);
  };
  registerRulesRoutes(deps.http.app, { rules: deps.store.rules, bus: deps.bus, cache, tokens, preferences: deps.store.preferences, isOnline: (userId) => presence.isOnline(userId), hits: ruleHits, recent: recentEvents, sendTimesOf });
  // The router writes deduplication claims and rate-cap slots, the status trail and the digests.
  const deliveryLogMs = (options.retentionDeliveryLogDays ?? 30) * DAY_MS;
  const retention = retentionJobFor(deps, options, [storeSweeps.idempotency(deps.store), storeSweeps.deliveryLog(deps.store, deliveryLogMs), storeSweeps.sentDigests(deps.store, SENT_DIGEST_GRACE_MS), storeSweeps.budgets(deps.store), storeSweeps.finishedEscalations(deps.store, FINISHED_ESCALATION_GRACE_MS), storeSweeps.sendTimes(deps.store, SEND_TIME_KEEP_MS), storeSweeps.deadLetterActions(deps.store, (options.retentionDeadLetterActionsDays ?? 90) * DAY_MS)]);
  // Escalation ladders are swept by the owner of the intake partition that started them, as their due times come.
  let intake: Subscription[] = [];
  const escalationsTotal = metric(deps.metrics, 'notify_router_escalation_steps_total', () => new Counter({ name: 'notify_router_escalation_steps_total', help: 'Due escalation steps: taken (to push or webhook), or skipped (read, delivered or expired by then)', labelNames: ['outcome'], registers: [deps.metrics] }));
  const escalationLateness = metric(deps.metrics, 'notify_router_escalation_lateness_seconds', () => new Histogram({ name: 'notify_router_escalation_lateness_seconds', help: 'How long after its due time an escalation step was taken (the sweep interval, or a partition changing hands)', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [deps.metrics] }));
  const escalations = new EscalationSweeper(
    { bus: deps.bus, escalations: deps.store.escalations, inbox: deps.store.inbox },
    {
      intervalMs: options.escalationSweepMs ?? 1000,
      leaseMs: options.escalationLeaseMs ?? 30_000,
      partitions: (lane) => intake[lane === 'default' ? 0 : 1]?.assignedPartitions() ?? [],
      logger: deps.logger.child({ module: 'escalations' }),
      onSwept: ({ taken, skipped }) => {
        for (const { to, lateMs } of taken) {
          escalationsTotal.inc({ outcome: to });
          escalationLateness.observe(lateMs / 1000);
        }
        for (const why of skipped) escalationsTotal.inc({ outcome: why });
      },
    },
  );
  let subscriptions: Subscription[] = [];
  let refresh: NodeJS.Timeout | undefined;
  return {
    name: 'router',
    start: async () => {
      if (retention) {
        const byServer = await deps.store.deliveryLog.expireOnServerAfter(deliveryLogMs);
        deps.logger.info({ intervalMs: options.retentionIntervalMs, deliveryLogDays: deliveryLogMs / DAY_MS, statusTrailTtlIndex: byServer }, 'retention scheduled');
        retention.start();
      }
      subscriptions = [await consumeRuleChanges(deps.bus, cache, deps.instanceName)];
      // Loaded once the change feed is followed (from its end), so no change falls in between.
      await cache.reload();
      subscriptions.push(
        ...(await Promise.all([followPresence(deps, presence), followPreferences(deps, preferences)])),
        ...(intake = await consumeIntake(deps.bus, cache, deps.store, presence, preferences, { onDigestFull: sendFull, rateSlots, onDecided, sendTimesOf, ...(options.dedupWindowMs ? { dedupWindowMs: options.dedupWindowMs } : {}) })),
        await consumeStatusTrail(deps.bus, deps.store.deliveryLog, (status) => routedToSocket.observe(status)),
        await sendTime.consume(),
      );
      deadLettersView = followDeadLetters(deps, deadLetters);
      subscriptions.push((await deadLettersView).subscription);
      flusher.start(options.digestTickMs);
      escalations.start();
      lanesSampler.start();
      refresh = setInterval(() => void cache.reload(), options.rulesRefreshMs);
      refresh.unref();
    },
    stop: async () => {
      clearInterval(refresh);
      await lanesSampler.stop();
      await retention?.stop();
      // Nothing is taken early: what is not due stays in the store for the routers that take the partitions.
      await escalations.stop();
      await Promise.all(subscriptions.map((s) => s.stop()));
      await flusher.stop();
    },
  };
}
