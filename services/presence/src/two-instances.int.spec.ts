import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcementSigner } from '@notify/contracts/gateway-announcement';
import { KafkaBus } from '@notify/bus';
import { topics, type PresenceEvent, type PresenceState } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, requireKafka, sleep, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';

const relaySecret = 'gateway-relay-secret-0123456789abcdef';
const signed = announcementSigner(relaySecret);
/**
 * Two presence instances on the real Kafka, sharing the users' partitions. Whatever order socket
 * events reach them in, whichever instance holds a user when, and whatever the gateways' clocks say,
 * the last presence.state record of every user (what compaction keeps and a reader ends with) must
 * say what the gateways said: a socket that closed never shows online again.
 */
const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
const HOUR_MS = 3_600_000;

let env: Record<string, string>;
let bus: KafkaBus;
const instances: { a?: ServiceProcess; b?: ServiceProcess } = {};
/** The last presence.state record of each user, in topic order, and how many were written. */
const last = new Map<string, PresenceState>();
const written = new Map<string, number>();
const lastWrittenAt = new Map<string, number>();
const beating = new Set<string>();
let beats: NodeJS.Timeout | undefined;

async function startPresence(): Promise<ServiceProcess> {
  const port = await freePort();
  const process = startServiceProcess(entry, { ...env, PORT: String(port) });
  try {
    await waitFor(`presence on port ${port} to be ready`, async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 100 });
  } catch (err) {
    await process.stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n${process.output().slice(-4000)}`);
  }
  return process;
}

async function gateway(name: string): Promise<string> {
  const gatewayId = uniqueName(name);
  beating.add(gatewayId);
  await beat(gatewayId);
  return gatewayId;
}

async function beat(gatewayId: string): Promise<void> {
  await bus.publish(topics.presenceGateways, [{ value: signed({ version: 1, kind: 'gateway_heartbeat', gatewayId, sockets: 0, at: new Date().toISOString() }) }]);
}

const connect = (userId: string, gatewayId: string, socketId: string, atMs = Date.now()): PresenceEvent => ({ version: 1, kind: 'socket_connected', userId, gatewayId, socketId, transport: 'websocket', at: new Date(atMs).toISOString() });
const disconnect = (userId: string, gatewayId: string, socketId: string, atMs = Date.now()): PresenceEvent => ({ version: 1, kind: 'socket_disconnected', userId, gatewayId, socketId, reason: 'transport close', at: new Date(atMs).toISOString() });
const send = (events: PresenceEvent[]) => bus.publish(topics.presenceEvents, events.map((value) => ({ value })));
const socketsOf = (userId: string) => (last.get(userId)?.connections ?? []).map((c) => c.socketId).sort();

beforeAll(async () => {
  const brokers = await requireKafka();
  const prefix = uniqueName('presence-two');
  env = {
    GATEWAY_RELAY_SECRET: relaySecret,
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_PREFIX: prefix,
    MONGO_URL: '',
    INTAKE_TOKENS: 'shop:producer-secret-0123456789:presence:read',
    ADMIN_TOKENS: 'ops:admin-secret-0123456789abcd',
    // Long enough that no gateway expires while an instance restarts: every change here comes from socket events.
    PRESENCE_GATEWAY_TTL_MS: '20000',
    PRESENCE_SWEEP_INTERVAL_MS: '250',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  };
  bus = new KafkaBus({ brokers, clientId: 'presence-two-test', service: 'presence-test', topicPrefix: prefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
  await bus.start();
  await bus.subscribe(topics.presenceState, { groupId: uniqueName('reader'), fromBeginning: true, partitionsConcurrently: 8 }, async (m) => {
    last.set(m.value.userId, m.value);
    written.set(m.value.userId, (written.get(m.value.userId) ?? 0) + 1);
    lastWrittenAt.set(m.value.userId, Date.now());
  });
  beats = setInterval(() => void Promise.all([...beating].map(beat)).catch(() => undefined), 500);
  [instances.a, instances.b] = await Promise.all([startPresence(), startPresence()]);
}, 180_000);

afterAll(async () => {
  clearInterval(beats);
  await Promise.all([instances.a, instances.b].map((p) => p?.stop('SIGKILL')));
  await bus?.stop();
}, 60_000);

describe('two presence instances', () => {
  it('keeps a socket closed when its connect reaches presence after its disconnect and another instance holds the user by then', async () => {
    const gw = await gateway('gw-late');
    const users = Array.from({ length: 16 }, (_, i) => uniqueName(`late${i}`));
    // The gateway's connect of "early" failed and was sent again after its disconnect.
    await send(users.map((u) => disconnect(u, gw, 'early')));
    await send([...users.map((u) => connect(u, gw, 'm1')), ...users.map((u) => disconnect(u, gw, 'm1'))]);
    await waitFor('every user online with m1 and offline again', () => users.every((u) => last.get(u)?.online === false && (written.get(u) ?? 0) >= 2), { timeoutMs: 30_000 });

    // The instance holding half of the users stops: the other takes their partitions.
    await instances.a!.stop('SIGTERM');
    await send(users.map((u) => connect(u, gw, 'early')));
    // A marker after it: once its disconnect shows, the late connect has been applied (or refused).
    const markerAt = Date.now() + 1000;
    await send([...users.map((u) => connect(u, gw, 'm2', markerAt)), ...users.map((u) => disconnect(u, gw, 'm2', markerAt + 1))]);
    try {
      await waitFor('every user’s last record to reflect the marker’s disconnect', () => users.every((u) => last.get(u)?.lastSeen === new Date(markerAt + 1).toISOString()), { timeoutMs: 30_000 });
      const online = users.filter((u) => last.get(u)!.online).map((u) => `${u}: ${socketsOf(u).join(',')}`);
      expect(online).toEqual([]);
    } finally {
      instances.a = await startPresence();
    }
  }, 120_000);

  it('lets no gateway clock decide: after a rebalance the users of a gateway whose clock is an hour ahead go offline and stay so', async () => {
    const [gw, fast] = [await gateway('gw'), await gateway('gw-fast')];
    const users = Array.from({ length: 16 }, (_, i) => uniqueName(`skew${i}`));
    // One instance holds every user: it applies everything below itself.
    await instances.b!.stop('SIGTERM');
    await send(users.map((u) => connect(u, gw, 's1')));
    // A socket of the fast gateway that presence never saw open (its connect went elsewhere): its close changes no socket.
    await send(users.map((u) => disconnect(u, fast, 'unseen', Date.now() + HOUR_MS)));
    await send(users.map((u) => connect(u, gw, 's2')));
    try {
      await waitFor('every user online with two sockets', () => users.every((u) => socketsOf(u).join() === 's1,s2'), { timeoutMs: 30_000 });
    } finally {
      // The second instance joins: about half of the users move to it, while the first still holds their old state.
      instances.b = await startPresence();
    }
    await sleep(2000);
    const before = new Map(users.map((u) => [u, written.get(u) ?? 0]));
    await send([...users.map((u) => disconnect(u, gw, 's1')), ...users.map((u) => disconnect(u, gw, 's2'))]);

    // Offline, and quiet: no instance keeps writing the user back online.
    const settled = Date.now();
    await waitFor(
      'every user offline, with no record written for 3 s',
      () => users.every((u) => last.get(u)?.online === false && Date.now() - (lastWrittenAt.get(u) ?? 0) > 3000),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const records = users.map((u) => (written.get(u) ?? 0) - before.get(u)!);
    console.info(`clock skew: settled in ${Date.now() - settled - 3000} ms; records per user after the disconnects: max ${Math.max(...records)}, total ${records.reduce((a, b) => a + b, 0)}`);
    expect(Math.max(...records)).toBeLessThanOrEqual(3);
  }, 120_000);

  it('ends with the truth for every user after churn, replays and late connects while one instance is killed and restarted and the other stopped and started', async () => {
    const gw = await gateway('gw-churn');
    const users = Array.from({ length: 40 }, (_, i) => uniqueName(`churn${i}`));
    const truth = new Map(users.map((u) => [u, { next: 0, open: [] as string[], closed: [] as string[], sent: [] as PresenceEvent[] }]));
    let random = 42;
    const rand = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ROUNDS = 60;
    const faults: Array<[number, () => Promise<void>]> = [
      [10, async () => void (await instances.b!.stop('SIGKILL'))],
      [22, async () => void (instances.b = await startPresence())],
      [38, async () => void (await instances.a!.stop('SIGTERM'))],
      [46, async () => void (instances.a = await startPresence())],
    ];
    const pending: Array<Promise<void>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [at, fault] of faults) if (at === round) pending.push(fault());
      const batch: PresenceEvent[] = [];
      for (const u of users) {
        const t = truth.get(u)!;
        const roll = rand();
        let event: PresenceEvent;
        if (roll < 0.1 && t.sent.length > 0) {
          event = t.sent[Math.floor(rand() * t.sent.length)]!; // a replay of an earlier event
        } else if (roll < 0.2 && t.closed.length > 0) {
          event = connect(u, gw, t.closed[Math.floor(rand() * t.closed.length)]!); // a connect arriving after its disconnect
        } else if (t.open.length === 0 || (t.open.length < 3 && roll < 0.6)) {
          const socketId = `s${t.next++}`;
          t.open.push(socketId);
          event = connect(u, gw, socketId);
        } else {
          const socketId = t.open.splice(Math.floor(rand() * t.open.length), 1)[0]!;
          t.closed.push(socketId);
          event = disconnect(u, gw, socketId);
        }
        t.sent.push(event);
        batch.push(event);
      }
      await send(batch);
      await sleep(100);
    }
    const sentAt = Date.now();
    await Promise.all(pending);
    const mismatch = () => users.filter((u) => socketsOf(u).join() !== [...truth.get(u)!.open].sort().join());
    try {
      await waitFor('every user’s last record to hold exactly the sockets still open', () => mismatch().length === 0, { timeoutMs: 60_000, intervalMs: 100 });
    } finally {
      const wrong = mismatch().map((u) => `${u}: topic ${socketsOf(u).join(',')} truth ${[...truth.get(u)!.open].sort().join(',')}`);
      console.info(`churn: ${users.length * ROUNDS} events; converged ${Date.now() - sentAt} ms after the last was sent (faults included); wrong: ${wrong.length}`);
      expect(wrong).toEqual([]);
    }
    // And it stays so.
    await sleep(2000);
    expect(mismatch()).toEqual([]);
  }, 240_000);
});
