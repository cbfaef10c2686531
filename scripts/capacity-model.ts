/**
 * The capacity model: from the benchmark figures in bench/results/*.json to how many instances of
 * each service, how many partitions per topic and how much database throughput a load needs.
 * Pure functions, no I/O: scripts/capacity.ts holds the assumptions, reads the files and writes
 * docs/capacity.md.
 *
 * @example
 *   const figures = extractFigures(results, MEASURED_ELSEWHERE);
 *   const plan = planCapacity(figures, ASSUMPTIONS, MEASURED_ELSEWHERE, partitions);
 */
import { z } from 'zod';

/** What the plan assumes (scripts/capacity.ts holds the values and what each means). */
export interface Assumptions {
  headroom: number;
  coresPerInstance: number;
  minInstances: number;
  onlineShare: number;
  socketsPerOnlineUser: number;
  sessionMinutes: number;
  notificationsPerEvent: number;
  devicesPerUser: number;
  apnsShare: number;
  webhookDeliveriesPerEvent: number;
  memoryMargin: number;
  youngGenerationBytes: number;
  gatewayMemoryLimitBytes: number;
  apnsRoundTripSeconds: number;
}

/** Figures not in a results file (scripts/capacity.ts holds the values and where each comes from). */
export interface MeasuredElsewhere {
  webhookWritesPerDelivery: number;
  webhookReadsPerDelivery: number;
  pushWritesPerPush: number;
  routerClaimsPerEvent: number;
  statusesPerDelivery: number;
  presenceRecordsReadPerSecond: number;
  inboxReadsPerConnect: number;
  pingIntervalSeconds: number;
  gatewayHeartbeatSeconds: number;
  apnsConnectionsPerInstance: number;
  apnsStreamsPerConnection: number;
  fcmQuotaPerSecond: number;
}

/** Partition counts of the topics whose consumer groups set a service's parallelism. */
export interface Partitions {
  notifyEvents: number;
  deliverInapp: number;
  deliverPushTransactional: number;
  deliveryStatus: number;
  presenceEvents: number;
}


// ---------------------------------------------------------------------------------------------
// Reading the results files

const cores = z.record(z.string(), z.number());
const routerReal = z.object({
  benchmark: z.literal('router-throughput-real'),
  transport: z.string(),
  eventsPerSecond: z.number().positive(),
  cores: z.object({ benchmarkProcess: z.number().positive(), ferretdb: z.number(), postgres: z.number() }),
  perEventStoreWrites: z.number().nonnegative(),
  perEventStoreReads: z.number().nonnegative(),
});
const routerLab = z.object({ benchmark: z.literal('router-throughput'), eventsPerSecond: z.number().positive() });
const gatewayRun = z.object({
  benchmark: z.literal('gateway'),
  store: z.string(),
  connections: z.number().int().positive(),
  connectPerSecond: z.number().positive(),
  memoryPerConnection: z.object({ rssBytes: z.number().positive(), heapBytes: z.number().positive() }),
  gatewayMemory: z.object({ idleRssBytes: z.number().positive(), loadedRssBytes: z.number().positive() }),
  latency: z.array(z.object({ rate: z.number().positive(), p99: z.number(), cores: cores.optional() })),
  flood: z
    .object({ notifications: z.number().positive(), stored: z.number().nonnegative(), seconds: z.number().positive(), perSecond: z.number().positive(), cores })
    .optional(),
});
const pushRun = z.object({
  benchmark: z.literal('push'),
  lane: z.enum(['transactional', 'bulk']),
  store: z.string(),
  pushes: z.number().positive(),
  apns: z.number().nonnegative(),
  devicesPerUser: z.number().positive(),
  pushesPerSecond: z.number().positive(),
  cpuMsPerPush: z.number().positive(),
  serverCores: z.object({ ferretdb: z.number(), postgres: z.number() }),
});

const webhooksRun = z.object({
  benchmark: z.literal('webhooks'),
  store: z.string(),
  flood: z.object({ deliveries: z.number().positive(), perSecond: z.number().positive(), cpuMsPerDelivery: z.number().positive(), cores: z.object({ webhooks: z.number().positive() }) }),
});

/** One results file: its name under bench/results and its parsed JSON. */
export interface ResultFile {
  file: string;
  json: unknown;
}

export interface Figures {
  router: { source: string; eventsPerSecond: number; cpuMsPerEvent: number; storeWritesPerEvent: number; storeReadsPerEvent: number; databaseCoreMsPerWrite: number };
  routerLab: { source: string; eventsPerSecond: number } | null;
  gateway: {
    source: string;
    connections: number;
    connectPerSecond: number;
    rssBytesPerConnection: number;
    heapBytesPerConnection: number;
    idleRssBytes: number;
    /** The gateway's CPU per notification stored and delivered, from the flood (every notification written at once). */
    cpuMsPerNotification: number;
    /** Documents the gateway stored per notification (inbox item and state marks). */
    storedPerNotification: number;
    /** At most this much CPU per socket: the gateway's CPU at its lowest measured rate, less that rate's notifications at the flood's cost, over its sockets. */
    cpuMsPerSocketSecond: number;
    /** The phase the per-socket bound comes from. */
    socketPhase: { rate: number; gatewayCores: number };
    databaseCoreMsPerWrite: number;
  };
  gatewayLab: { source: string; connections: number; rssBytesPerConnection: number; heapBytesPerConnection: number } | null;
  push: { source: string; pushesPerSecond: number; cpuMsPerPush: number; apnsShare: number; databaseCoreMsPerWrite: number };
  pushLab: { source: string; pushesPerSecond: number; cpuMsPerPush: number } | null;
  /** One webhooks instance sending to a receiver that answers at once: its rate, and its CPU per delivery. */
  webhooks: { source: string; deliveriesPerSecond: number; cpuMsPerDelivery: number; serviceCores: number };
}

const isRealStore = (store: string) => /mongo|ferret/i.test(store);

/**
 * Picks the figures the model uses from the results files: the real store's (FerretDB or MongoDB)
 * always, the in-memory ones only as labelled lab figures. Where several real runs exist, the
 * dearest per operation is taken.
 */
export function extractFigures(files: readonly ResultFile[], elsewhere: Pick<MeasuredElsewhere, 'pushWritesPerPush'>): Figures {
  const parsed = <T>(schema: z.ZodType<T>) =>
    files.flatMap(({ file, json }) => {
      const result = schema.safeParse(json);
      return result.success ? [{ file, value: result.data }] : [];
    });

  const router = parsed(routerReal).sort((a, b) => cpuPerEvent(b.value) - cpuPerEvent(a.value))[0];
  if (!router) throw new Error('bench/results has no router-throughput-real result: run `npm run bench:router -- --real`');
  const r = router.value;

  const gateways = parsed(gatewayRun);
  const gatewayReal = gateways
    .filter((g) => isRealStore(g.value.store) && g.value.flood && g.value.latency.some((phase) => phase.cores?.gateway !== undefined))
    .sort((a, b) => b.value.connections - a.value.connections)[0];
  if (!gatewayReal) throw new Error('bench/results has no gateway result on the real store with a flood and cores: run `npm run bench:gateway -- --store=mongo`');
  const g = gatewayReal.value;
  const flood = g.flood!;
  const gatewayCpuPerNotification = flood.cores.gateway! / flood.perSecond;
  const phase = g.latency.filter((p) => p.cores?.gateway !== undefined).sort((a, b) => a.rate - b.rate)[0]!;
  const socketCores = Math.max(0, phase.cores!.gateway! - phase.rate * gatewayCpuPerNotification);
  const floodWrites = flood.stored / flood.seconds;
  const gatewayLab = gateways.filter((x) => !isRealStore(x.value.store)).sort((a, b) => b.value.connections - a.value.connections)[0];

  const pushes = parsed(pushRun);
  const pushReal = pushes.filter((p) => isRealStore(p.value.store) && p.value.lane === 'transactional').sort((a, b) => b.value.cpuMsPerPush - a.value.cpuMsPerPush)[0];
  if (!pushReal) throw new Error('bench/results has no transactional push result on the real store: run `npm run bench:push -- --store=mongo`');
  const p = pushReal.value;
  const pushLab = pushes.filter((x) => !isRealStore(x.value.store) && x.value.lane === 'transactional')[0];
  const labRouter = parsed(routerLab)[0];
  const webhooksReal = parsed(webhooksRun).filter((w) => isRealStore(w.value.store))[0];
  if (!webhooksReal) throw new Error('bench/results has no webhooks result on the real store: run `npm run bench:webhooks`');
  const w = webhooksReal.value.flood;

  return {
    router: {
      source: router.file,
      eventsPerSecond: r.eventsPerSecond,
      cpuMsPerEvent: cpuPerEvent(r),
      storeWritesPerEvent: r.perEventStoreWrites,
      storeReadsPerEvent: r.perEventStoreReads,
      databaseCoreMsPerWrite: r.perEventStoreWrites > 0 ? ((r.cores.ferretdb + r.cores.postgres) * 1000) / (r.eventsPerSecond * r.perEventStoreWrites) : 0,
    },
    routerLab: labRouter ? { source: labRouter.file, eventsPerSecond: labRouter.value.eventsPerSecond } : null,
    gateway: {
      source: gatewayReal.file,
      connections: g.connections,
      connectPerSecond: g.connectPerSecond,
      rssBytesPerConnection: g.memoryPerConnection.rssBytes,
      heapBytesPerConnection: g.memoryPerConnection.heapBytes,
      idleRssBytes: g.gatewayMemory.idleRssBytes,
      cpuMsPerNotification: gatewayCpuPerNotification * 1000,
      storedPerNotification: flood.stored / flood.notifications,
      cpuMsPerSocketSecond: (socketCores * 1000) / g.connections,
      socketPhase: { rate: phase.rate, gatewayCores: phase.cores!.gateway! },
      databaseCoreMsPerWrite: floodWrites > 0 ? (((flood.cores.ferretdb ?? 0) + (flood.cores.postgres ?? 0)) * 1000) / floodWrites : 0,
    },
    gatewayLab: gatewayLab
      ? {
          source: gatewayLab.file,
          connections: gatewayLab.value.connections,
          rssBytesPerConnection: gatewayLab.value.memoryPerConnection.rssBytes,
          heapBytesPerConnection: gatewayLab.value.memoryPerConnection.heapBytes,
        }
      : null,
    push: {
      source: pushReal.file,
      pushesPerSecond: p.pushesPerSecond,
      cpuMsPerPush: p.cpuMsPerPush,
      apnsShare: p.apns / p.pushes,
      databaseCoreMsPerWrite: ((p.serverCores.ferretdb + p.serverCores.postgres) * 1000) / (p.pushesPerSecond * elsewhere.pushWritesPerPush),
    },
    pushLab: pushLab ? { source: pushLab.file, pushesPerSecond: pushLab.value.pushesPerSecond, cpuMsPerPush: pushLab.value.cpuMsPerPush } : null,
    webhooks: { source: webhooksReal.file, deliveriesPerSecond: w.perSecond, cpuMsPerDelivery: w.cpuMsPerDelivery, serviceCores: w.cores.webhooks },
  };
}

function cpuPerEvent(r: z.infer<typeof routerReal>): number {
  return (r.cores.benchmarkProcess * 1000) / r.eventsPerSecond;
}

// ---------------------------------------------------------------------------------------------
// The model

/** What decides an instance count: the minimum, the CPU, the memory, the topic's partitions, or a rate measured as a whole (webhooks). */
export type Limit = 'minimum' | 'cpu' | 'memory' | 'partitions' | 'measured rate';

/** How many instances of a consumer group a load needs, and what the topic's partitions allow. */
export interface ConsumerSizing {
  /** Instances the load needs (at least the minimum). */
  instances: number;
  /** Of those, how many get a partition with the topic as it is; the rest sit idle in the group. */
  consuming: number;
  /** Partitions the topic needs so that every needed instance gets one. */
  partitionsNeeded: number;
  /** What one instance carries at the planned headroom. */
  perInstance: number;
  /** The most the group can take with the topic as it is: partitions × perInstance. */
  ceilingWithPartitions: number;
  /** What decides the count: the minimum, the CPU, or (once instances exceed partitions) the partitions. */
  limit: Limit;
}

/**
 * Sizes one consumer group: `load` units a second, `perInstance` units a second per instance at the
 * planned headroom, over a topic of `partitions`. Instances beyond the partition count get no
 * partition and sit idle, so `consuming` stops at `partitions` and `limit` says `partitions`.
 *
 * @example sizeConsumer({ load: 4000, perInstance: 1000, partitions: 8, minInstances: 2 }) // 4 instances, cpu
 */
export function sizeConsumer(input: { load: number; perInstance: number; partitions: number; minInstances: number }): ConsumerSizing {
  const { load, perInstance, partitions, minInstances } = input;
  if (!(perInstance > 0)) throw new Error('perInstance must be above 0');
  const byLoad = Math.ceil(load / perInstance - 1e-9);
  const instances = Math.max(minInstances, byLoad);
  const consuming = Math.min(instances, partitions);
  const limit: Limit = byLoad > partitions ? 'partitions' : byLoad > minInstances ? 'cpu' : 'minimum';
  return { instances, consuming, partitionsNeeded: Math.max(partitions, instances), perInstance, ceilingWithPartitions: partitions * perInstance, limit };
}

/** Units a second one instance carries when `cpuMs` of CPU each and the planned share of its cores busy. */
export function perInstanceRate(cpuMs: number, a: Pick<Assumptions, 'headroom' | 'coresPerInstance'>): number {
  return (a.headroom * a.coresPerInstance * 1000) / cpuMs;
}

export interface GatewaySockets {
  /** Sockets that fit the memory limit. */
  byMemory: number;
  /** Sockets the planned CPU allows at the per-socket bound. */
  byCpu: number;
  perInstance: number;
  limit: Limit;
}

/** Sockets one gateway holds: the fewer of what fits its memory limit and what its CPU share allows. */
export function socketsPerGateway(figures: Figures, a: Assumptions): GatewaySockets {
  const g = figures.gateway;
  const byMemory = Math.floor((a.gatewayMemoryLimitBytes / a.memoryMargin - g.idleRssBytes - a.youngGenerationBytes) / g.rssBytesPerConnection);
  const byCpu = g.cpuMsPerSocketSecond > 0 ? Math.floor((a.headroom * a.coresPerInstance * 1000) / g.cpuMsPerSocketSecond) : Number.POSITIVE_INFINITY;
  const perInstance = Math.max(1, Math.min(byMemory, byCpu));
  return { byMemory, byCpu, perInstance, limit: byCpu < byMemory ? 'cpu' : 'memory' };
}

export interface UserPlan {
  users: number;
  online: number;
  sockets: number;
  gateways: { instances: number; limit: Limit; socketsEach: number };
  /** presence.state keeps a record per user who was ever online (offline ones too): at most every user. */
  presenceRecords: number;
  /** The router's view keeps online users only. */
  routerViewRecords: number;
  presenceEventsPerSecond: number;
  presence: ConsumerSizing;
  pingsPerSecond: number;
  gatewayHeartbeatsPerSecond: number;
  /** Seconds a starting router or gateway spends reading presence.state before it turns ready. */
  startupReadSeconds: number;
  /** Inbox reads of the connects (catch-up and resync); presence writes nothing to the database. */
  database: { readsPerSecond: number };
}

export interface EventPlan {
  eventsPerSecond: number;
  notificationsPerSecond: number;
  router: ConsumerSizing;
  gateway: ConsumerSizing;
  pushesPerSecond: number;
  push: ConsumerSizing;
  apns: { pushesPerSecond: number; connections: number; perConnection: number; ceilingPerConnection: number };
  fcm: { pushesPerSecond: number; quotaPerSecond: number; overQuota: boolean };
  statusesPerSecond: number;
  trailWritesPerSecond: number;
  statusPartitions: { partitions: number; routersReadingTrail: number };
  webhookDeliveriesPerSecond: number;
  webhooks: { instances: number; perInstance: number; limit: Limit };
  database: { writesPerSecond: number; readsPerSecond: number; cores: number; coreMsPerWrite: number };
}

export interface CapacityPlan {
  sockets: GatewaySockets;
  perInstance: { routerEvents: number; gatewayNotifications: number; pushes: number; presenceEvents: number; webhookDeliveries: number };
  users: UserPlan[];
  events: EventPlan[];
  requests: ResourceRequest[];
}

export interface ResourceRequest {
  service: 'router' | 'gateway' | 'presence' | 'push' | 'webhooks';
  cpuMillicores: number;
  memoryMiB: number;
  /** What the memory figure covers. */
  basis: string;
}

/** Sizes every service for each user count and each event rate. */
export function planCapacity(
  figures: Figures,
  a: Assumptions,
  e: MeasuredElsewhere,
  partitions: Partitions,
  scenarios: { users: readonly number[]; events: readonly number[] },
): CapacityPlan {
  const routerEvents = perInstanceRate(figures.router.cpuMsPerEvent, a);
  const gatewayNotifications = perInstanceRate(figures.gateway.cpuMsPerNotification, a);
  const pushes = perInstanceRate(figures.push.cpuMsPerPush, a);
  // Presence is not benchmarked: an event costs it a consume and a state record on Kafka, no database,
  // so it is taken to cost no more than routing an event.
  const presenceEvents = routerEvents;
  const webhookDeliveries = figures.webhooks.deliveriesPerSecond * a.headroom;
  const sockets = socketsPerGateway(figures, a);
  const coreMsPerWrite = Math.max(figures.router.databaseCoreMsPerWrite, figures.gateway.databaseCoreMsPerWrite, figures.push.databaseCoreMsPerWrite);

  const users = scenarios.users.map((count): UserPlan => {
    const online = count * a.onlineShare;
    const socketCount = online * a.socketsPerOnlineUser;
    const gatewayInstances = Math.max(a.minInstances, Math.ceil(socketCount / sockets.perInstance));
    const connectsPerSecond = socketCount / (a.sessionMinutes * 60);
    const presenceEventsPerSecond = 2 * connectsPerSecond;
    return {
      users: count,
      online,
      sockets: socketCount,
      gateways: { instances: gatewayInstances, limit: gatewayInstances === a.minInstances ? 'minimum' : sockets.limit, socketsEach: Math.ceil(socketCount / gatewayInstances) },
      presenceRecords: count,
      routerViewRecords: online,
      presenceEventsPerSecond,
      presence: sizeConsumer({ load: presenceEventsPerSecond, perInstance: presenceEvents, partitions: partitions.presenceEvents, minInstances: a.minInstances }),
      pingsPerSecond: socketCount / e.pingIntervalSeconds,
      gatewayHeartbeatsPerSecond: gatewayInstances / e.gatewayHeartbeatSeconds,
      startupReadSeconds: count / e.presenceRecordsReadPerSecond,
      database: { readsPerSecond: connectsPerSecond * e.inboxReadsPerConnect },
    };
  });

  const events = scenarios.events.map((rate): EventPlan => {
    const notifications = rate * a.notificationsPerEvent;
    const offline = notifications * (1 - a.onlineShare);
    const pushesPerSecond = offline * a.devicesPerUser;
    const push = sizeConsumer({ load: pushesPerSecond, perInstance: pushes, partitions: partitions.deliverPushTransactional, minInstances: a.minInstances });
    const apnsPushes = pushesPerSecond * a.apnsShare;
    const apnsConnections = push.instances * e.apnsConnectionsPerInstance;
    const fcmPushes = pushesPerSecond - apnsPushes;
    const deliveryStatuses = (notifications * a.onlineShare + pushesPerSecond) * e.statusesPerDelivery;
    const routerStatuses = rate * Math.max(0, figures.router.storeWritesPerEvent - e.routerClaimsPerEvent);
    const webhookDeliveriesPerSecond = rate * a.webhookDeliveriesPerEvent;
    const webhookInstances = Math.max(a.minInstances, Math.ceil(webhookDeliveriesPerSecond / webhookDeliveries - 1e-9));
    const router = sizeConsumer({ load: rate, perInstance: routerEvents, partitions: partitions.notifyEvents, minInstances: a.minInstances });
    const writes =
      rate * figures.router.storeWritesPerEvent +
      notifications * figures.gateway.storedPerNotification +
      pushesPerSecond * e.pushWritesPerPush +
      deliveryStatuses +
      webhookDeliveriesPerSecond * e.webhookWritesPerDelivery;
    const reads = rate * figures.router.storeReadsPerEvent + webhookDeliveriesPerSecond * e.webhookReadsPerDelivery;
    return {
      eventsPerSecond: rate,
      notificationsPerSecond: notifications,
      router,
      gateway: sizeConsumer({ load: notifications, perInstance: gatewayNotifications, partitions: partitions.deliverInapp, minInstances: a.minInstances }),
      pushesPerSecond,
      push,
      apns: {
        pushesPerSecond: apnsPushes,
        connections: apnsConnections,
        perConnection: apnsPushes / apnsConnections,
        ceilingPerConnection: e.apnsStreamsPerConnection / a.apnsRoundTripSeconds,
      },
      fcm: { pushesPerSecond: fcmPushes, quotaPerSecond: e.fcmQuotaPerSecond, overQuota: fcmPushes > e.fcmQuotaPerSecond },
      statusesPerSecond: routerStatuses + deliveryStatuses,
      trailWritesPerSecond: routerStatuses + deliveryStatuses,
      statusPartitions: { partitions: partitions.deliveryStatus, routersReadingTrail: Math.min(router.instances, partitions.deliveryStatus) },
      webhookDeliveriesPerSecond,
      webhooks: { instances: webhookInstances, perInstance: webhookDeliveries, limit: webhookInstances === a.minInstances ? 'minimum' : 'measured rate' },
      database: { writesPerSecond: writes, readsPerSecond: reads, cores: (writes * coreMsPerWrite) / 1000, coreMsPerWrite },
    };
  });

  return {
    sockets,
    perInstance: { routerEvents, gatewayNotifications, pushes, presenceEvents, webhookDeliveries },
    users,
    events,
    requests: resourceRequests(figures, a, sockets),
  };
}

const MIB = 1024 * 1024;
const roundUpMiB = (bytes: number, step = 64) => Math.ceil(bytes / MIB / step) * step;

/**
 * What each instance asks the scheduler for: one core (a Node event loop uses one; the plan keeps
 * it `headroom` busy at peak), and memory from the measured process size with a margin. Every
 * process may fill the young generation its flag allows under load, so that is counted on top of
 * the idle size. Only the gateway's memory has a measured part that grows (its sockets); the others
 * start from the same idle process (the only idle size measured) and grow with views the benchmarks
 * do not measure.
 */
export function resourceRequests(figures: Figures, a: Assumptions, sockets: GatewaySockets): ResourceRequest[] {
  const loaded = figures.gateway.idleRssBytes + a.youngGenerationBytes;
  const cpuMillicores = Math.round(a.coresPerInstance * 1000);
  const base = roundUpMiB(loaded * a.memoryMargin);
  const gatewayBytes = loaded + sockets.perInstance * figures.gateway.rssBytesPerConnection;
  return [
    { service: 'router', cpuMillicores, memoryMiB: base, basis: '(idle process + young generation) × margin; its presence view (online users) and preferences view come on top, not measured' },
    {
      service: 'gateway',
      cpuMillicores,
      memoryMiB: roundUpMiB(gatewayBytes * a.memoryMargin),
      basis: `(idle process + young generation + ${fmt(sockets.perInstance)} sockets × ${kib(figures.gateway.rssBytesPerConnection)} RSS) × margin`,
    },
    { service: 'presence', cpuMillicores, memoryMiB: base, basis: '(idle process + young generation) × margin; its table of the users of its partitions (offline ones too) comes on top, not measured' },
    { service: 'push', cpuMillicores, memoryMiB: base, basis: '(idle process + young generation) × margin; its cache of users’ devices comes on top, not measured' },
    { service: 'webhooks', cpuMillicores, memoryMiB: base, basis: '(idle process + young generation) × margin' },
  ];
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
export const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
