import { describe, expect, it } from 'vitest';
import { extractFigures, planCapacity, sizeConsumer, socketsPerGateway, type Assumptions, type MeasuredElsewhere, type Partitions, type ResultFile } from './capacity-model.ts';

const MIB = 1024 * 1024;

/** Round numbers, so every expected count below can be worked out by hand. */
const assumptions: Assumptions = {
  headroom: 0.5,
  coresPerInstance: 1,
  minInstances: 1,
  onlineShare: 0.1,
  socketsPerOnlineUser: 1,
  sessionMinutes: 10,
  notificationsPerEvent: 1,
  devicesPerUser: 2,
  apnsShare: 0.5,
  webhookDeliveriesPerEvent: 1,
  memoryMargin: 2,
  youngGenerationBytes: 64 * MIB,
  gatewayMemoryLimitBytes: 1024 * MIB,
  apnsRoundTripSeconds: 0.1,
};

const elsewhere: MeasuredElsewhere = {
  webhookWritesPerDelivery: 4,
  webhookReadsPerDelivery: 1,
  pushWritesPerPush: 2,
  routerClaimsPerEvent: 1,
  statusesPerDelivery: 1,
  presenceRecordsReadPerSecond: 10_000,
  inboxReadsPerConnect: 2,
  pingIntervalSeconds: 10,
  gatewayHeartbeatSeconds: 5,
  apnsConnectionsPerInstance: 2,
  apnsStreamsPerConnection: 1000,
  fcmQuotaPerSecond: 10_000,
};

const partitions: Partitions = { notifyEvents: 8, deliverInapp: 8, deliverPushTransactional: 8, deliveryStatus: 8, presenceEvents: 8 };

const machine = { cpus: 2, model: 'test', node: 'v24' };

/** A small set of results files in the shapes the benchmarks write. */
function results(overrides: { routerCores?: number; routerRate?: number } = {}): ResultFile[] {
  return [
    {
      file: 'router-throughput-real.json',
      json: {
        benchmark: 'router-throughput-real',
        transport: 'Kafka + FerretDB',
        eventsPerSecond: overrides.routerRate ?? 1000,
        cores: { benchmarkProcess: overrides.routerCores ?? 1, kafka: 0.2, ferretdb: 0.1, postgres: 0.2 },
        perEventStoreWrites: 3,
        perEventStoreReads: 0,
      },
    },
    // A lab run, ten times faster: it must never be what the plan rests on.
    { file: 'router-throughput.json', json: { benchmark: 'router-throughput', transport: 'in-process', eventsPerSecond: 10_000 } },
    {
      file: 'gateway-1000-mongo.json',
      json: {
        benchmark: 'gateway',
        store: 'mongodb-wire (FerretDB)',
        machine,
        connections: 1000,
        connectPerSecond: 100,
        memoryPerConnection: { rssBytes: 64 * 1024, heapBytes: 16 * 1024 },
        gatewayMemory: { idleRssBytes: 128 * MIB, loadedRssBytes: 192 * MIB },
        latency: [{ rate: 100, p99: 20 }],
      },
    },
    {
      file: 'gateway-4000-mongo.json',
      json: {
        benchmark: 'gateway',
        store: 'mongodb-wire (FerretDB on PostgreSQL)',
        machine,
        connections: 4000,
        connectPerSecond: 200,
        memoryPerConnection: { rssBytes: 64 * 1024, heapBytes: 16 * 1024 },
        gatewayMemory: { idleRssBytes: 128 * MIB, loadedRssBytes: 384 * MIB },
        latency: [
          // 1,000/s at 0.25 ms each is 0.25 cores; the other 0.4 are charged to the 4,000 sockets: 0.1 ms a second each.
          { rate: 1000, p99: 50, cores: { gateway: 0.65, ferretdb: 0.1, postgres: 0.1 } },
          { rate: 2000, p99: 90, cores: { gateway: 0.7, ferretdb: 0.1, postgres: 0.1 } },
        ],
        flood: { notifications: 8000, received: 8000, stored: 16_000, seconds: 4, perSecond: 2000, cores: { gateway: 0.5, ferretdb: 0.2, postgres: 0.2 } },
      },
    },
    {
      file: 'gateway-20000.json',
      json: {
        benchmark: 'gateway',
        store: 'in-process',
        machine,
        connections: 20_000,
        connectPerSecond: 2000,
        memoryPerConnection: { rssBytes: 20 * 1024, heapBytes: 15 * 1024 },
        gatewayMemory: { idleRssBytes: 128 * MIB, loadedRssBytes: 512 * MIB },
        latency: [{ rate: 1000, p99: 10 }],
      },
    },
    ...[0.5, 0.4].map((cpuMsPerPush, i) => ({
      file: `push-transactional-mongo-${i}.json`,
      json: {
        benchmark: 'push',
        lane: 'transactional',
        store: 'mongo',
        pushes: 10_000,
        apns: 5000,
        devicesPerUser: 1,
        pushesPerSecond: 1000,
        cpuMsPerPush,
        serverCores: { kafka: 0.1, ferretdb: 0.2, postgres: 0.2 },
      },
    })),
    {
      file: 'push-transactional.json',
      json: { benchmark: 'push', lane: 'transactional', store: 'memory', pushes: 10_000, apns: 5000, devicesPerUser: 1, pushesPerSecond: 5000, cpuMsPerPush: 0.1, serverCores: { kafka: 0.1, ferretdb: 0, postgres: 0 } },
    },
    {
      file: 'webhooks-mongo.json',
      json: { benchmark: 'webhooks', store: 'mongo', flood: { deliveries: 5000, perSecond: 200, cpuMsPerDelivery: 2, cores: { webhooks: 0.4 } } },
    },
    // A lab run, far faster: never what the plan rests on.
    { file: 'webhooks.json', json: { benchmark: 'webhooks', store: 'memory (a lab figure)', flood: { deliveries: 5000, perSecond: 5000, cpuMsPerDelivery: 0.1, cores: { webhooks: 0.5 } } } },
    // Files of other benchmarks are ignored.
    { file: 'rule-evaluation.json', json: { benchmark: 'rule-evaluation', evaluationsPerSecond: 1 } },
  ];
}

describe('sizeConsumer', () => {
  it('doubles the instances as the load doubles, until the partitions cap the group', () => {
    const sized = [1000, 2000, 4000, 8000, 16_000].map((load) => sizeConsumer({ load, perInstance: 1000, partitions: 8, minInstances: 1 }));
    expect(sized.map((s) => s.instances)).toEqual([1, 2, 4, 8, 16]);
    expect(sized.map((s) => s.consuming)).toEqual([1, 2, 4, 8, 8]);
    expect(sized.map((s) => s.limit)).toEqual(['minimum', 'cpu', 'cpu', 'cpu', 'partitions']);
    expect(sized.map((s) => s.partitionsNeeded)).toEqual([8, 8, 8, 8, 16]);
    expect(sized[4]!.ceilingWithPartitions).toBe(8000);
  });

  it('never goes under the minimum, and a load just over a whole number of instances takes one more', () => {
    expect(sizeConsumer({ load: 10, perInstance: 1000, partitions: 8, minInstances: 2 })).toMatchObject({ instances: 2, limit: 'minimum' });
    expect(sizeConsumer({ load: 3001, perInstance: 1000, partitions: 8, minInstances: 2 })).toMatchObject({ instances: 4, limit: 'cpu' });
    expect(sizeConsumer({ load: 3000, perInstance: 1000, partitions: 8, minInstances: 2 }).instances).toBe(3);
  });
});

describe('extractFigures', () => {
  it('takes the real store’s runs, the dearest of several, and keeps the in-memory ones apart as lab figures', () => {
    const f = extractFigures(results(), elsewhere);
    expect(f.router).toMatchObject({ source: 'router-throughput-real.json', cpuMsPerEvent: 1, storeWritesPerEvent: 3, storeReadsPerEvent: 0 });
    // FerretDB + PostgreSQL 0.3 cores for 3,000 documents a second.
    expect(f.router.databaseCoreMsPerWrite).toBeCloseTo(0.1);
    expect(f.routerLab).toEqual({ source: 'router-throughput.json', eventsPerSecond: 10_000 });

    // The real-store run with a flood and cores, not the 1,000-socket one without them, nor the lab one.
    expect(f.gateway.source).toBe('gateway-4000-mongo.json');
    expect(f.gateway.cpuMsPerNotification).toBeCloseTo(0.25);
    expect(f.gateway.cpuMsPerSocketSecond).toBeCloseTo(0.1);
    expect(f.gateway.socketPhase).toEqual({ rate: 1000, gatewayCores: 0.65 });
    expect(f.gateway.storedPerNotification).toBe(2);
    expect(f.gatewayLab?.source).toBe('gateway-20000.json');

    expect(f.push).toMatchObject({ source: 'push-transactional-mongo-0.json', cpuMsPerPush: 0.5, apnsShare: 0.5 });
    expect(f.pushLab?.cpuMsPerPush).toBe(0.1);
    expect(f.webhooks).toEqual({ source: 'webhooks-mongo.json', deliveriesPerSecond: 200, cpuMsPerDelivery: 2, serviceCores: 0.4 });
  });

  it('refuses to plan on lab figures alone', () => {
    const labOnly = results().filter((r) => r.file !== 'router-throughput-real.json');
    expect(() => extractFigures(labOnly, elsewhere)).toThrow(/router-throughput-real/);
    const noRealGateway = results().filter((r) => r.file !== 'gateway-4000-mongo.json');
    expect(() => extractFigures(noRealGateway, elsewhere)).toThrow(/gateway result on the real store/);
    const noRealWebhooks = results().filter((r) => r.file !== 'webhooks-mongo.json');
    expect(() => extractFigures(noRealWebhooks, elsewhere)).toThrow(/webhooks result on the real store/);
  });
});

describe('planCapacity', () => {
  const plan = (files = results(), a = assumptions, rates = [1000, 2000, 4000, 8000]) =>
    planCapacity(extractFigures(files, elsewhere), a, elsewhere, partitions, { users: [100_000, 1_000_000], events: rates });

  it('doubles the routers as the event rate doubles, until notify.events’ partitions cap them', () => {
    // 1 ms of CPU per event, half a core per instance: 500 events/s each.
    const events = plan(results(), assumptions, [1000, 2000, 4000, 8000]).events;
    expect(events.map((e) => e.router.instances)).toEqual([2, 4, 8, 16]);
    expect(events.map((e) => e.router.consuming)).toEqual([2, 4, 8, 8]);
    expect(events.map((e) => e.router.limit)).toEqual(['cpu', 'cpu', 'cpu', 'partitions']);
    expect(events[3]!.router.partitionsNeeded).toBe(16);
  });

  it('moves with the measurements: a router twice as fast needs half the instances', () => {
    const faster = plan(results({ routerRate: 2000 }), assumptions, [4000]).events[0]!;
    expect(faster.router.instances).toBe(4);
  });

  it('moves with the headroom: planning for 25 % CPU doubles every CPU-bound count', () => {
    // 5,000 events/s: 9,000 pushes/s.
    const [half] = plan(results(), assumptions, [5000]).events;
    const [quarter] = plan(results(), { ...assumptions, headroom: 0.25 }, [5000]).events;
    expect([half!.router.instances, half!.push.instances]).toEqual([10, 9]);
    expect(quarter!.router.instances).toBe(2 * half!.router.instances);
    expect(quarter!.push.instances).toBe(2 * half!.push.instances);
  });

  it('pushes the offline recipients on each of their devices, and sizes push and the providers from that', () => {
    const e = plan(results(), assumptions, [1000]).events[0]!;
    // 1,000 notifications, 90 % offline, 2 devices each.
    expect(e.pushesPerSecond).toBe(1800);
    // 0.5 ms per push: 1,000 pushes/s per instance.
    expect(e.push.instances).toBe(2);
    expect(e.apns).toEqual({ pushesPerSecond: 900, connections: 4, perConnection: 225, ceilingPerConnection: 10_000 });
    expect(e.fcm).toEqual({ pushesPerSecond: 900, quotaPerSecond: 10_000, overQuota: false });
    expect(plan(results(), assumptions, [20_000]).events[0]!.fcm.overQuota).toBe(true);
  });

  it('adds up the database writes per event from each service’s figure', () => {
    const e = plan(results(), assumptions, [1000]).events[0]!;
    // Per event: router 3, gateway 2 stored, pushes 1.8 × 2 marks, statuses 0.1 delivered + 1.8 sent, webhooks 1 × 4.
    expect(e.database.writesPerSecond).toBeCloseTo(1000 * (3 + 2 + 3.6 + 1.9 + 4));
    expect(e.database.readsPerSecond).toBeCloseTo(1000);
    // The trail: the router's 2 statuses besides its claim, and the deliveries' 1.9.
    expect(e.trailWritesPerSecond).toBeCloseTo(3900);
    // Planned at the dearest database cost per write: push's 0.4 cores for 2,000 marks a second.
    expect(e.database.coreMsPerWrite).toBeCloseTo(0.2);
    expect(e.database.cores).toBeCloseTo((14_500 * 0.2) / 1000);
    // 200 deliveries/s measured on the real store (not the lab run's 5,000), half of it planned: 1,000 deliveries need 10 instances.
    expect(e.webhooks).toMatchObject({ instances: 10, limit: 'measured rate' });
  });

  it('holds sockets per gateway to the fewer of what fits the memory and what the CPU allows', () => {
    const f = extractFigures(results(), elsewhere);
    // CPU: half a core at 0.1 ms a second per socket is 5,000. Memory: 1 GiB / 2 - 128 MiB idle - 64 MiB young generation = 320 MiB at 64 KiB is 5,120.
    expect(socketsPerGateway(f, assumptions)).toEqual({ byMemory: 5120, byCpu: 5000, perInstance: 5000, limit: 'cpu' });
    expect(socketsPerGateway(f, { ...assumptions, gatewayMemoryLimitBytes: 512 * MIB })).toMatchObject({ byMemory: 1024, perInstance: 1024, limit: 'memory' });

    const users = plan().users;
    // 100,000 users, 10 % online, one socket each: 10,000 sockets, 5,000 a gateway.
    expect(users[0]).toMatchObject({ sockets: 10_000, gateways: { instances: 2, socketsEach: 5000 }, presenceRecords: 100_000, routerViewRecords: 10_000 });
    expect(users[1]!.gateways.instances).toBe(20);
    // Ten-minute sessions: 100,000 sockets connect 166.7 times a second, and disconnect as often.
    expect(users[1]!.presenceEventsPerSecond).toBeCloseTo(333.33, 1);
    expect(users[1]!.database.readsPerSecond).toBeCloseTo(333.33, 1);
    expect(users[1]!.pingsPerSecond).toBe(10_000);
    expect(users[1]!.startupReadSeconds).toBe(100);
  });

  it('asks for one core per instance, and for the young generation and the gateway’s sockets’ memory on top of the idle process', () => {
    const requests = plan().requests;
    const gateway = requests.find((r) => r.service === 'gateway')!;
    // (128 MiB + 64 MiB + 5,000 × 64 KiB) × 2 = 1,009 MiB, rounded up to 1,024.
    expect(gateway).toMatchObject({ cpuMillicores: 1000, memoryMiB: 1024 });
    // (128 MiB + 64 MiB) × 2 = 384 MiB.
    expect(requests.find((r) => r.service === 'router')).toMatchObject({ cpuMillicores: 1000, memoryMiB: 384 });
  });
});
