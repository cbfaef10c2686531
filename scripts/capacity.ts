/**
 * The capacity model's document: reads bench/results/*.json and the topic catalogue, sizes every
 * service for 100k, 1M and 10M users and for 1k, 10k and 50k events/s (scripts/capacity-model.ts),
 * and writes the generated part of docs/capacity.md between `<!-- capacity:start -->` and
 * `<!-- capacity:end -->`. With --check, exits 1 when the document is stale.
 *
 *   npm run docs:capacity
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { topics } from '@notify/contracts';
import {
  extractFigures,
  fmt,
  kib,
  planCapacity,
  type Assumptions,
  type CapacityPlan,
  type ConsumerSizing,
  type Figures,
  type MeasuredElsewhere,
  type Partitions,
} from './capacity-model.ts';

/** What we choose to plan for. Change one here and `npm run docs:capacity` moves the whole document. */
const ASSUMPTIONS = {
  headroom: 0.5,
  coresPerInstance: 1,
  minInstances: 2,
  onlineShare: 0.1,
  socketsPerOnlineUser: 1.2,
  sessionMinutes: 30,
  notificationsPerEvent: 1,
  devicesPerUser: 1.5,
  apnsShare: 0.5,
  webhookDeliveriesPerEvent: 1,
  memoryMargin: 1.5,
  youngGenerationBytes: 3 * 64 * 1024 ** 2,
  gatewayMemoryLimitBytes: 2 * 1024 ** 3,
  apnsRoundTripSeconds: 0.2,
} as const satisfies Assumptions;

/** What each assumption means, as the document states it. */
const ASSUMPTION_NOTES: Record<keyof Assumptions, string> = {
  headroom: 'share of an instance’s CPU planned busy at peak; the rest absorbs bursts, GC pauses and a lost instance’s share',
  coresPerInstance: 'cores one instance uses: one Node.js event loop',
  minInstances: 'fewest instances of any service, so that losing one loses no service',
  onlineShare: 'share of all users online at peak; also the share of notifications whose user is online (the rest are pushed)',
  socketsPerOnlineUser: 'open sockets per online user (a phone, now and then a browser tab too)',
  sessionMinutes: 'how long a socket stays connected on average; each session is a connect and a disconnect on presence.events',
  notificationsPerEvent: 'notifications per product event (fan-out): 1 is one recipient, a topic event counts its members',
  devicesPerUser: 'push devices per offline recipient',
  apnsShare: 'share of pushes that go to APNs, the rest to FCM',
  webhookDeliveriesPerEvent: 'webhook deliveries per event: each event’s team takes one of its statuses (its outcome, say) at an endpoint',
  memoryMargin: 'memory request = measured need × this margin, rounded up to 64 MiB',
  youngGenerationBytes: 'young generation a process may fill under load (bytes): every process runs with --max-semi-space-size=64, and V8 sizes the young generation at three semi-spaces; the benchmarks measured idle sizes without it',
  gatewayMemoryLimitBytes: 'memory one gateway may use (bytes); sockets per gateway stop where their need × margin reaches it',
  apnsRoundTripSeconds: 'round trip from a push instance to APNs (seconds), for one HTTP/2 connection’s ceiling: streams in flight / round trip',
};

/**
 * Figures that are not in a results file, each with where it was measured or set. They move only
 * when someone edits them here.
 */
const MEASURED_ELSEWHERE = {
  webhookWritesPerDelivery: 4,
  webhookReadsPerDelivery: 1,
  pushWritesPerPush: 2,
  routerClaimsPerEvent: 1,
  statusesPerDelivery: 1,
  presenceRecordsReadPerSecond: 200_000 / 8.7,
  inboxReadsPerConnect: 2,
  pingIntervalSeconds: 15,
  gatewayHeartbeatSeconds: 5,
  apnsConnectionsPerInstance: 2,
  apnsStreamsPerConnection: 1000,
  fcmQuotaPerSecond: 600_000 / 60,
} as const satisfies MeasuredElsewhere;

const MEASURED_ELSEWHERE_NOTES: Record<keyof MeasuredElsewhere, string> = {
  webhookWritesPerDelivery: 'documents written per webhook delivery: its outbox insert from delivery.status, its lease, its outcome and the lease’s release (the dispatcher merges each kind across the sends that go together, so these are fewer round trips; docs/webhooks.md)',
  webhookReadsPerDelivery: 'documents read per webhook delivery: the re-read under the lease (the outbox window is read once for many; docs/webhooks.md)',
  pushWritesPerPush: 'database writes per push: its started and done marks; devices come from the instance’s cache (docs/push.md, “Throughput”)',
  routerClaimsPerEvent: 'of the router’s writes per event, its claim; the rest are its statuses on the trail (bench/README.md)',
  statusesPerDelivery: 'statuses each delivery adds to the trail: the gateway’s `delivered`, or the push service’s `sent` per device',
  presenceRecordsReadPerSecond: 'presence.state records a starting gateway reads a second: 200,000 in 8.7 s to ready (README, “Guarantees”, rolling deploy test)',
  inboxReadsPerConnect: 'inbox reads per connect: the catch-up from the client’s cursor, and the check GATEWAY_RESYNC_AFTER_MS later',
  pingIntervalSeconds: 'GATEWAY_PING_INTERVAL_MS default (seconds): one socket.io ping per socket this often',
  gatewayHeartbeatSeconds: 'GATEWAY_HEARTBEAT_MS default (seconds): each gateway beats on presence.gateways this often',
  apnsConnectionsPerInstance: 'APNS_CONNECTIONS default: HTTP/2 connections to APNs per push instance',
  apnsStreamsPerConnection: 'pushes one APNs connection carries at once (docs/push.md)',
  fcmQuotaPerSecond: 'FCM’s default quota per project, 600,000 messages a minute (docs/push.md, “Retry-After”)',
};


const USER_SCENARIOS = [100_000, 1_000_000, 10_000_000];
const EVENT_SCENARIOS = [1_000, 10_000, 50_000];

/** The topics whose consumer groups set each service's parallelism, as the catalogue provisions them. */
const PARTITIONS: Partitions = {
  notifyEvents: topics.notifyEvents.partitions,
  deliverInapp: topics.deliverInapp.partitions,
  deliverPushTransactional: topics.deliverPushTransactional.partitions,
  deliveryStatus: topics.deliveryStatus.partitions,
  presenceEvents: topics.presenceEvents.partitions,
};

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const pct = (share: number) => `${fmt(share * 100)} %`;
const ms = (value: number) => `${fmt(value, 3)} ms`;
const rate = (value: number) => (value >= 100 ? fmt(value) : fmt(value, 1));
const users = (n: number) => (n >= 1_000_000 ? `${fmt(n / 1_000_000)}M` : `${fmt(n / 1000)}k`);
const duration = (seconds: number) => (seconds < 90 ? `${fmt(seconds, seconds < 10 ? 1 : 0)} s` : `${fmt(seconds / 60, 1)} min`);

function consumerCell(s: ConsumerSizing, topic: string): string {
  const base = `**${fmt(s.instances)}**`;
  if (s.limit === 'partitions') return `${base} — **partitions**: \`${topic}\` needs ${fmt(s.partitionsNeeded)} (has ${fmt(s.consuming)}; with ${fmt(s.consuming)} the group tops out at ${rate(s.ceilingWithPartitions)}/s)`;
  return `${base} (${s.limit === 'minimum' ? 'the minimum' : 'CPU'}; \`${topic}\` has ${fmt(s.partitionsNeeded)} partitions, room for ${rate(s.ceilingWithPartitions)}/s)`;
}

function row(label: string, cells: string[]): string {
  return `| ${label} | ${cells.join(' | ')} |`;
}

function figuresSection(f: Figures, e: MeasuredElsewhere): string[] {
  const lines = [
    '### The figures it starts from',
    '',
    'On the real store (Kafka 3.9.1 and FerretDB 1.24 on PostgreSQL 15): the headline. Where several runs exist the dearest per operation is taken.',
    '',
    '| figure | value | from |',
    '| --- | --- | --- |',
    `| router: CPU per event | **${ms(f.router.cpuMsPerEvent)}** (${fmt(f.router.eventsPerSecond)} events/s on one instance; the core counted is the benchmark’s whole process: router, producer and observer) | \`bench/results/${f.router.source}\` |`,
    `| router: database writes / reads per event | ${fmt(f.router.storeWritesPerEvent)} / ${fmt(f.router.storeReadsPerEvent)} | \`bench/results/${f.router.source}\` |`,
    `| gateway: CPU per notification stored and delivered | **${ms(f.gateway.cpuMsPerNotification)}** (the flood: every notification written at once, stored per slice) | \`bench/results/${f.gateway.source}\` |`,
    `| gateway: memory per socket | **${kib(f.gateway.rssBytesPerConnection)} RSS**, ${kib(f.gateway.heapBytesPerConnection)} heap, at ${fmt(f.gateway.connections)} sockets; idle process ${fmt(f.gateway.idleRssBytes / MIB)} MiB RSS | \`bench/results/${f.gateway.source}\` |`,
    `| gateway: CPU per socket, at most | **${ms(f.gateway.cpuMsPerSocketSecond)} a second**: the gateway’s ${fmt(f.gateway.socketPhase.gatewayCores, 2)} cores at ${fmt(f.gateway.socketPhase.rate)} notifications/s, less those notifications at the flood’s cost, spread over its ${fmt(f.gateway.connections)} sockets (an upper bound: idle sockets were not measured apart) | \`bench/results/${f.gateway.source}\` |`,
    `| gateway: documents stored per notification | ${fmt(f.gateway.storedPerNotification, 2)} (inbox item and state marks) | \`bench/results/${f.gateway.source}\` |`,
    `| gateway: connects a second | ${fmt(f.gateway.connectPerSecond)} on one gateway (client SDK handshakes, presence events, inbox catch-up) | \`bench/results/${f.gateway.source}\` |`,
    `| push: CPU per push | **${ms(f.push.cpuMsPerPush)}** (${fmt(f.push.pushesPerSecond)} pushes/s on one instance, transactional lane, real node-apn and firebase-admin against the local emulators) | \`bench/results/${f.push.source}\` |`,
    `| webhooks: deliveries a second, one instance | **${fmt(f.webhooks.deliveriesPerSecond)}** (to a receiver that answers at once; the service ${fmt(f.webhooks.serviceCores, 2)} cores busy, ${ms(f.webhooks.cpuMsPerDelivery)} of its CPU per delivery) | \`bench/results/${f.webhooks.source}\` |`,
    `| database CPU per document written (FerretDB + PostgreSQL) | router ${ms(f.router.databaseCoreMsPerWrite)}, gateway ${ms(f.gateway.databaseCoreMsPerWrite)}, push ${ms(f.push.databaseCoreMsPerWrite)} (the push figure counts ${fmt(e.pushWritesPerPush)} writes per push and includes its badge counts); planned at the dearest | the same three files |`,
    '',
  ];
  const lab = [
    f.routerLab && `router ${fmt(f.routerLab.eventsPerSecond)} events/s on one instance (\`${f.routerLab.source}\`)`,
    f.gatewayLab && `gateway ${kib(f.gatewayLab.rssBytesPerConnection)} RSS and ${kib(f.gatewayLab.heapBytesPerConnection)} heap per socket at ${fmt(f.gatewayLab.connections)} sockets (\`${f.gatewayLab.source}\`)`,
    f.pushLab && `push ${fmt(f.pushLab.pushesPerSecond)} pushes/s, ${ms(f.pushLab.cpuMsPerPush)} per push (\`${f.pushLab.source}\`)`,
  ].filter(Boolean);
  if (lab.length > 0) {
    lines.push(`**Lab figures (store in memory), not used for sizing**: ${lab.join('; ')}. They show what the pipeline costs without the database; the plan never rests on them.`, '');
  }
  return lines;
}

function assumptionsSection(a: Assumptions, e: MeasuredElsewhere): string[] {
  const value = (key: string, v: number) => (key === 'gatewayMemoryLimitBytes' ? `${fmt(v / GIB, 1)} GiB` : key === 'youngGenerationBytes' ? `${fmt(v / 1024 ** 2)} MiB` : key.endsWith('Share') || key === 'headroom' ? pct(v) : fmt(v, 2));
  return [
    '### Assumptions',
    '',
    'Named constants at the top of `scripts/capacity.ts`; change one and run `npm run docs:capacity`.',
    '',
    '| constant | value | meaning |',
    '| --- | --- | --- |',
    ...Object.entries(a).map(([key, v]) => `| \`${key}\` | ${value(key, v)} | ${ASSUMPTION_NOTES[key as keyof Assumptions]} |`),
    '',
    'Figures that are in no results file, each with where it comes from:',
    '',
    '| constant | value | source |',
    '| --- | --- | --- |',
    ...Object.entries(e).map(([key, v]) => `| \`${key}\` | ${fmt(v, 1)} | ${MEASURED_ELSEWHERE_NOTES[key as keyof MeasuredElsewhere]} |`),
    '',
  ];
}

function perInstanceSection(plan: CapacityPlan, f: Figures, a: Assumptions): string[] {
  const p = plan.perInstance;
  const s = plan.sockets;
  return [
    '### What one instance carries',
    '',
    `At ${pct(a.headroom)} of ${fmt(a.coresPerInstance)} core busy at peak:`,
    '',
    '| service | one instance | limited by |',
    '| --- | --- | --- |',
    `| router | ${rate(p.routerEvents)} events/s | CPU (${ms(f.router.cpuMsPerEvent)} per event); each instance needs a partition of \`notify.events\` |`,
    `| gateway | ${fmt(s.perInstance)} sockets, and ${rate(p.gatewayNotifications)} notifications/s stored and delivered | sockets: ${s.limit === 'cpu' ? `CPU at the per-socket bound (memory would allow ${fmt(s.byMemory)} within ${fmt(a.gatewayMemoryLimitBytes / GIB, 1)} GiB)` : `memory within ${fmt(a.gatewayMemoryLimitBytes / GIB, 1)} GiB (the CPU bound would allow ${fmt(s.byCpu)})`}; notifications: CPU, and a partition of \`deliver.inapp\` |`,
    `| push | ${rate(p.pushes)} pushes/s | CPU (${ms(f.push.cpuMsPerPush)} per push); each instance needs a partition of \`deliver.push.transactional\` |`,
    `| presence | ${rate(p.presenceEvents)} presence events/s | not benchmarked: taken to cost no more than a routed event (a consume and a state record on Kafka, no database); a partition of \`presence.events\` each |`,
    `| webhooks | ${rate(p.webhookDeliveries)} deliveries/s | the measured rate per instance × ${pct(a.headroom)}; the outbox is shared through leases, so partitions do not cap it |`,
    '',
  ];
}

function requestsSection(plan: CapacityPlan): string[] {
  return [
    '### Resource requests per instance',
    '',
    'What each instance asks for (Kubernetes `resources.requests`; the Helm chart in `infra/k8s/notify` requests exactly these, which `npm run docs:check` verifies, and lets memory reach twice the request). One core each: a Node.js process runs its JavaScript on one thread, and the plan keeps that core half busy at peak, which is the CPU target of the chart’s autoscalers.',
    '',
    '| service | cpu | memory | memory covers |',
    '| --- | --- | --- | --- |',
    ...plan.requests.map((r) => `| ${r.service} | \`${r.cpuMillicores}m\` | \`${r.memoryMiB}Mi\` | ${r.basis} |`),
    '',
  ];
}

function usersSection(plan: CapacityPlan, a: Assumptions, f: Figures, e: MeasuredElsewhere): string[] {
  const u = plan.users;
  return [
    `### Users (${pct(a.onlineShare)} online)`,
    '',
    row('', u.map((x) => `**${users(x.users)} users**`)),
    row('---', u.map(() => '---')),
    row('online users', u.map((x) => fmt(x.online))),
    row('sockets', u.map((x) => fmt(x.sockets))),
    row('gateway instances', u.map((x) => `**${fmt(x.gateways.instances)}** (${fmt(x.gateways.socketsEach)} sockets each; ${x.gateways.limit === 'minimum' ? 'the minimum' : x.gateways.limit === 'cpu' ? 'CPU' : x.gateways.limit})`)),
    row('socket.io pings/s (heartbeats, across the gateways)', u.map((x) => fmt(x.pingsPerSecond))),
    row('gateway heartbeats/s on `presence.gateways` (1 partition, read whole by every presence and gateway instance)', u.map((x) => fmt(x.gatewayHeartbeatsPerSecond, 1))),
    row('connects + disconnects/s on `presence.events`', u.map((x) => rate(x.presenceEventsPerSecond))),
    row('presence instances', u.map((x) => consumerCell(x.presence, 'presence.events'))),
    row('presence records in `presence.state` (every user once online, offline ones kept)', u.map((x) => fmt(x.presenceRecords))),
    row('records in each router’s presence view (online users)', u.map((x) => fmt(x.routerViewRecords))),
    row('a starting router or gateway reads `presence.state` for', u.map((x) => duration(x.startupReadSeconds))),
    row(`every socket reconnecting at once (after an outage) at ${fmt(f.gateway.connectPerSecond)} connects/s per gateway`, u.map((x) => duration(x.sockets / (x.gateways.instances * f.gateway.connectPerSecond)))),
    row(`database reads/s (inbox on connect, ${fmt(e.inboxReadsPerConnect)} per connect)`, u.map((x) => rate(x.database.readsPerSecond))),
    '',
  ];
}

function eventsSection(plan: CapacityPlan, a: Assumptions): string[] {
  const v = plan.events;
  return [
    `### Events (fan-out ${fmt(a.notificationsPerEvent)}, ${pct(1 - a.onlineShare)} of recipients offline and pushed, ${fmt(a.devicesPerUser, 1)} devices each)`,
    '',
    row('', v.map((x) => `**${fmt(x.eventsPerSecond)} events/s**`)),
    row('---', v.map(() => '---')),
    row('router instances', v.map((x) => consumerCell(x.router, 'notify.events'))),
    row('notifications/s to store in the inbox (`deliver.inapp`)', v.map((x) => fmt(x.notificationsPerSecond))),
    row('gateway instances consuming `deliver.inapp`', v.map((x) => consumerCell(x.gateway, 'deliver.inapp'))),
    row('pushes/s', v.map((x) => fmt(x.pushesPerSecond))),
    row('push instances', v.map((x) => consumerCell(x.push, 'deliver.push.transactional'))),
    row('APNs: pushes/s, connections, per connection', v.map((x) => `${fmt(x.apns.pushesPerSecond)} over ${fmt(x.apns.connections)}: ${fmt(x.apns.perConnection)}/s each (ceiling about ${fmt(x.apns.ceilingPerConnection)}/s)`)),
    row('FCM: pushes/s against the project quota', v.map((x) => `${fmt(x.fcm.pushesPerSecond)} of ${fmt(x.fcm.quotaPerSecond)}${x.fcm.overQuota ? ' — **over the quota**: ask Google to raise it, or FCM answers 429' : ''}`)),
    row('statuses/s on `delivery.status` = status trail writes/s', v.map((x) => fmt(x.statusesPerSecond))),
    row('routers writing the trail (`delivery.status` partitions)', v.map((x) => `${fmt(x.statusPartitions.routersReadingTrail)} of ${fmt(x.statusPartitions.partitions)} partitions`)),
    row('webhook deliveries/s', v.map((x) => fmt(x.webhookDeliveriesPerSecond))),
    row('webhooks instances', v.map((x) => `**${fmt(x.webhooks.instances)}** (${x.webhooks.limit === 'minimum' ? 'the minimum' : 'the measured rate'})`)),
    row('database writes/s (documents)', v.map((x) => `**${fmt(x.database.writesPerSecond)}**`)),
    row('database reads/s', v.map((x) => `**${fmt(x.database.readsPerSecond)}**`)),
    row('database CPU, FerretDB + PostgreSQL', v.map((x) => `${fmt(x.database.cores, 1)} cores`)),
    '',
  ];
}

function limitsSection(plan: CapacityPlan, a: Assumptions): string[] {
  const firstCapped = (pick: (x: CapacityPlan['events'][number]) => ConsumerSizing) => plan.events.find((x) => pick(x).limit === 'partitions');
  const capped = (name: string, topic: string, pick: (x: CapacityPlan['events'][number]) => ConsumerSizing) => {
    const first = firstCapped(pick);
    const sizing = first ? pick(first) : pick(plan.events[0]!);
    const partitions = first ? sizing.consuming : sizing.partitionsNeeded;
    return first
      ? `- **${name}**: \`${topic}\` has ${fmt(partitions)} partitions, so at most ${fmt(partitions)} instances consume and the group tops out at ${rate(sizing.ceilingWithPartitions)}/s; at ${fmt(first.eventsPerSecond)} events/s it needs ${fmt(sizing.partitionsNeeded)} partitions.`
      : `- **${name}**: CPU; \`${topic}\` has ${fmt(partitions)} partitions, room for ${rate(sizing.ceilingWithPartitions)}/s at this headroom, more than the largest load here.`;
  };
  const last = plan.events[plan.events.length - 1]!;
  const biggest = plan.users[plan.users.length - 1]!;
  return [
    '### What limits each step',
    '',
    capped('Router', 'notify.events', (x) => x.router),
    capped('Gateway, storing notifications', 'deliver.inapp', (x) => x.gateway),
    capped('Push', 'deliver.push.transactional', (x) => x.push),
    ...(plan.events.some((x) => x.router.limit === 'partitions' || x.gateway.limit === 'partitions' || x.push.limit === 'partitions')
      ? ['- **Adding partitions**: a topic’s partitions can be added but not taken away, and adding them sends keys to other partitions, so one user’s order holds only among messages written after the change: add them before the load, at a quiet hour. Start-up creates missing topics with the catalogue’s count and leaves existing ones alone, so an existing topic is an operator’s change (`kafka-topics.sh --alter --partitions`); set the catalogue’s count too, for new deployments and for this document.']
      : []),
    `- **Gateway, holding sockets**: ${plan.sockets.limit === 'cpu' ? `the per-socket CPU bound, ${fmt(plan.sockets.perInstance)} sockets a gateway (memory alone would allow ${fmt(plan.sockets.byMemory)})` : `memory, ${fmt(plan.sockets.perInstance)} sockets a gateway`}. Gateways beyond the \`deliver.inapp\` partitions hold sockets and sit idle in the consumer group; the notification reaches them through the relay. Run the larger of the two counts (users table, events table).`,
    `- **Presence**: ${fmt(biggest.presenceEventsPerSecond)} connects and disconnects a second at ${users(biggest.users)} users is within ${fmt(biggest.presence.consuming)} instances; what grows is \`presence.state\` (${fmt(biggest.presenceRecords)} records), which every starting router and gateway reads before it turns ready: ${duration(biggest.startupReadSeconds)} at the measured rate.`,
    `- **Pushes per provider connection**: APNs carries about ${fmt(last.apns.ceilingPerConnection)} pushes/s per connection at the assumed round trip; at ${fmt(last.apns.perConnection)}/s each it is not the limit. FCM’s project quota ${last.fcm.overQuota ? `is: at ${fmt(last.eventsPerSecond)} events/s, ${fmt(last.fcm.pushesPerSecond)} FCM pushes/s against ${fmt(last.fcm.quotaPerSecond)}/s (Google raises it on request)` : 'is not either, at any rate here'}.`,
    `- **Status trail**: \`delivery.status\` has ${fmt(last.statusPartitions.partitions)} partitions, so at most ${fmt(last.statusPartitions.partitions)} routers write the trail; at ${fmt(last.eventsPerSecond)} events/s each writes ${fmt(last.statusesPerSecond / last.statusPartitions.routersReadingTrail)} statuses/s. The router’s CPU per event covers its own statuses, not the gateway’s and push’s ones it also writes (not measured apart): watch \`notify_bus_background_waiting\` and give \`delivery.status\` the routers’ partition count when it grows.`,
    `- **Database**: sized at its measured cost, with no headroom added; at ${fmt(last.eventsPerSecond)} events/s it takes ${fmt(last.database.writesPerSecond)} document writes a second, ${fmt(last.database.cores, 1)} cores of FerretDB and PostgreSQL at the measured cost (MongoDB proper is not measured).`,
    `- **Webhooks**: the measured rate per instance; at ${fmt(last.eventsPerSecond)} events/s and ${fmt(a.webhookDeliveriesPerEvent)} delivery per event, ${fmt(last.webhooks.instances)} instances. That is the weakest step today, and the instance is not what limits it: it was ${fmt(figures.webhooks.serviceCores, 2)} cores busy at ${fmt(figures.webhooks.deliveriesPerSecond)} deliveries/s; each delivery waits on the store (a lease, a re-read, an outcome and a release, merged across the sends in flight), so more instances help only while the database has room (docs/webhooks.md, “Limits today”).`,
    '',
  ];
}

/** The generated part of docs/capacity.md. */
export function renderCapacity(figures: Figures, plan: CapacityPlan, a: Assumptions, e: MeasuredElsewhere): string {
  return [
    ...requestsSection(plan),
    ...perInstanceSection(plan, figures, a),
    ...usersSection(plan, a, figures, e),
    ...eventsSection(plan, a),
    ...limitsSection(plan, a),
    ...figuresSection(figures, e),
    ...assumptionsSection(a, e),
  ].join('\n');
}

async function readResults(dir: URL) {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(names.map(async (file) => ({ file, json: JSON.parse(await readFile(new URL(file, dir), 'utf8')) as unknown })));
}

const results = await readResults(new URL('../bench/results/', import.meta.url));
const figures = extractFigures(results, MEASURED_ELSEWHERE);
const plan = planCapacity(figures, ASSUMPTIONS, MEASURED_ELSEWHERE, PARTITIONS, { users: USER_SCENARIOS, events: EVENT_SCENARIOS });
const docUrl = new URL('../docs/capacity.md', import.meta.url);
const doc = await readFile(docUrl, 'utf8');
const pattern = /(<!-- capacity:start -->\n)[\s\S]*?(<!-- capacity:end -->)/;
if (!pattern.test(doc)) throw new Error('docs/capacity.md has no <!-- capacity:start --> / <!-- capacity:end --> markers');
const updated = doc.replace(pattern, (_match, start: string, end: string) => `${start}${renderCapacity(figures, plan, ASSUMPTIONS, MEASURED_ELSEWHERE)}${end}`);
/**
 * The Helm chart asks for what this plan says each instance needs: its requests equal the plan's,
 * its memory limits are twice them, and its autoscalers aim at the plan's CPU headroom.
 */
async function chartDisagreements(plan: CapacityPlan): Promise<string[]> {
  const file = 'infra/k8s/notify/values.yaml';
  const values = parseYaml(await readFile(new URL(`../${file}`, import.meta.url), 'utf8')) as {
    services: Record<string, { resources: { requests: { cpu: string; memory: string }; limits: { memory: string } }; autoscaling: { targetCPUUtilizationPercentage: number } }>;
  };
  const problems: string[] = [];
  const expect = (path: string, actual: unknown, planned: unknown) => {
    if (actual !== planned) problems.push(`${file}: ${path} is ${String(actual)}; docs/capacity.md plans ${String(planned)}`);
  };
  for (const request of plan.requests) {
    const chart = values.services[request.service];
    if (!chart) {
      problems.push(`${file}: services.${request.service} is missing`);
      continue;
    }
    const at = `services.${request.service}`;
    expect(`${at}.resources.requests.cpu`, chart.resources.requests.cpu, `${request.cpuMillicores}m`);
    expect(`${at}.resources.requests.memory`, chart.resources.requests.memory, `${request.memoryMiB}Mi`);
    expect(`${at}.resources.limits.memory`, chart.resources.limits.memory, `${request.memoryMiB * 2}Mi`);
    expect(`${at}.autoscaling.targetCPUUtilizationPercentage`, chart.autoscaling.targetCPUUtilizationPercentage, Math.round(ASSUMPTIONS.headroom * 100));
  }
  return problems;
}

if (process.argv.includes('--check')) {
  const disagreements = await chartDisagreements(plan);
  for (const problem of disagreements) console.error(problem);
  if (disagreements.length > 0) process.exit(1);
  if (updated !== doc) {
    console.error('docs/capacity.md is stale (bench/results, the topic catalogue or the assumptions changed): run `npm run docs:capacity` and commit the result.');
    process.exit(1);
  }
  console.log('docs/capacity.md is up to date');
} else {
  await writeFile(docUrl, updated);
  console.log('wrote the capacity tables to docs/capacity.md');
}
