import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announcementSigner } from '@notify/contracts/gateway-announcement';
import { KafkaBus } from '@notify/bus';
import { topics, type PresenceEvent, type PresenceState } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, requireKafka, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';

const relaySecret = 'gateway-relay-secret-0123456789abcdef';
const signed = announcementSigner(relaySecret);
const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
const TTL_MS = 2000;
const SWEEP_MS = 200;
const BEAT_MS = 500;
const headers = { 'content-type': 'application/json', authorization: 'Bearer producer-secret-0123456789' };

let env: Record<string, string>;
let bus: KafkaBus;
let presence: { base: string; process: ServiceProcess };
/** The latest presence.state record per user, as a consumer of the topic sees it. */
const states = new Map<string, PresenceState>();
/** Gateways the test keeps alive, and when each last beat. */
const beating = new Map<string, number>();
let beats: NodeJS.Timeout | undefined;

async function startPresence(): Promise<{ base: string; process: ServiceProcess }> {
  const port = await freePort();
  const process = startServiceProcess(entry, { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`presence on port ${port} to be ready`, async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 200 });
  } catch (err) {
    await process.stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n${process.output().slice(-4000)}`);
  }
  return { base, process };
}

async function beat(gatewayId: string): Promise<void> {
  const at = Date.now();
  await bus.publish(topics.presenceGateways, [{ value: signed({ version: 1, kind: 'gateway_heartbeat', gatewayId, sockets: 0, at: new Date(at).toISOString() }) }]);
  if (beating.has(gatewayId)) beating.set(gatewayId, at);
}

async function startGateway(): Promise<string> {
  const gatewayId = uniqueName('gw');
  beating.set(gatewayId, 0);
  await beat(gatewayId);
  return gatewayId;
}

const socketEvent = (kind: PresenceEvent['kind'], userId: string, gatewayId: string, socketId: string, extra: { device?: string } = {}): PresenceEvent =>
  kind === 'socket_connected'
    ? { version: 1, kind, userId, gatewayId, socketId, transport: 'websocket', ...extra, at: new Date().toISOString() }
    : { version: 1, kind, userId, gatewayId, socketId, reason: 'transport close', at: new Date().toISOString() };

async function send(...events: PresenceEvent[]): Promise<void> {
  await bus.publish(topics.presenceEvents, events.map((value) => ({ value })));
}

function stateWhere(userId: string, what: string, test: (s: PresenceState) => boolean, timeoutMs = 20_000): Promise<PresenceState> {
  return waitFor(`${userId} ${what} on presence.state`, () => {
    const s = states.get(userId);
    return s && test(s) ? s : undefined;
  }, { timeoutMs });
}

beforeAll(async () => {
  const brokers = await requireKafka();
  const prefix = uniqueName('presence');
  env = {
    GATEWAY_RELAY_SECRET: relaySecret,
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_PREFIX: prefix,
    MONGO_URL: '', // presence keeps nothing in the database
    // shop may read presence; billing is written the old way (send events only).
    INTAKE_TOKENS: 'shop:producer-secret-0123456789:presence:read,billing:billing-secret-0123456789ab',
    ADMIN_TOKENS: 'ops:admin-secret-0123456789abcd',
    PRESENCE_GATEWAY_TTL_MS: String(TTL_MS),
    PRESENCE_SWEEP_INTERVAL_MS: String(SWEEP_MS),
    KAFKA_SESSION_TIMEOUT_MS: '6000', // a killed presence gives up its partitions quickly
    LOG_LEVEL: 'warn',
  };
  bus = new KafkaBus({ brokers, clientId: 'presence-test', service: 'presence-test', topicPrefix: prefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
  await bus.start();
  await bus.subscribe(topics.presenceState, { groupId: uniqueName('reader'), fromBeginning: true, partitionsConcurrently: 8 }, async (m) => void states.set(m.value.userId, m.value));
  presence = await startPresence();
  beats = setInterval(() => void Promise.all([...beating.keys()].map(beat)).catch(() => undefined), BEAT_MS);
}, 120_000);

afterAll(async () => {
  clearInterval(beats);
  await presence?.process.stop('SIGTERM');
  await bus?.stop();
}, 60_000);

describe('presence on Kafka', () => {
  it('puts a user online on connect, keeps them online while a socket lives anywhere, and offline after the last one', async () => {
    const [gw1, gw2] = [await startGateway(), await startGateway()];
    const alice = uniqueName('alice');
    await send(socketEvent('socket_connected', alice, gw1, 's1', { device: 'phone' }));
    const online = await stateWhere(alice, 'online', (s) => s.online);
    expect(online).toMatchObject({ gateways: [{ gatewayId: gw1, sockets: 1 }], devices: 1, connections: [{ socketId: 's1', gatewayId: gw1, device: 'phone', transport: 'websocket' }] });
    expect(online.since).toBeDefined();

    await send(socketEvent('socket_connected', alice, gw2, 's2', { device: 'laptop' }));
    await stateWhere(alice, 'on two gateways', (s) => s.gateways.length === 2 && s.devices === 2);
    await send(socketEvent('socket_disconnected', alice, gw1, 's1'));
    const stillOnline = await stateWhere(alice, 'on gw2 only', (s) => s.gateways.length === 1);
    expect(stillOnline).toMatchObject({ online: true, gateways: [{ gatewayId: gw2, sockets: 1 }], devices: 1, since: online.since });

    const last = socketEvent('socket_disconnected', alice, gw2, 's2');
    await send(last);
    const offline = await stateWhere(alice, 'offline', (s) => !s.online);
    expect(offline).toMatchObject({ gateways: [], devices: 0, connections: [], lastSeen: last.at });
    expect(offline.since).toBeUndefined();
  });

  it('takes the users of a gateway that stops beating offline within the TTL, and no sooner', async () => {
    const [silent, alive] = [await startGateway(), await startGateway()];
    const [bob, carol] = [uniqueName('bob'), uniqueName('carol')];
    await send(socketEvent('socket_connected', bob, silent, 'b1'), socketEvent('socket_connected', carol, silent, 'c1'), socketEvent('socket_connected', carol, alive, 'c2'));
    await stateWhere(bob, 'online', (s) => s.online);
    await stateWhere(carol, 'online on two gateways', (s) => s.gateways.length === 2);

    const lastBeat = beating.get(silent)!;
    beating.delete(silent); // the gateway dies without a goodbye
    const offline = await stateWhere(bob, 'offline', (s) => !s.online, TTL_MS + SWEEP_MS + 10_000);
    const noticedAfter = Date.now() - lastBeat;
    expect(Date.parse(offline.lastSeen) - lastBeat).toBeGreaterThan(TTL_MS);
    expect(noticedAfter).toBeLessThan(TTL_MS + SWEEP_MS + BEAT_MS + 3000);
    const carolState = await stateWhere(carol, 'on the live gateway only', (s) => s.gateways.length === 1);
    expect(carolState).toMatchObject({ online: true, gateways: [{ gatewayId: alive, sockets: 1 }] });
  });

  it('takes the users of a gateway that says goodbye offline at once', async () => {
    const gw = await startGateway();
    const dave = uniqueName('dave');
    await send(socketEvent('socket_connected', dave, gw, 'd1'), socketEvent('socket_connected', dave, gw, 'd2'));
    await stateWhere(dave, 'online with two sockets', (s) => s.connections.length === 2);
    beating.delete(gw);
    const stoppedAt = new Date().toISOString();
    await bus.publish(topics.presenceGateways, [{ value: signed({ version: 1, kind: 'gateway_stopped', gatewayId: gw, at: stoppedAt }) }]);
    // Offline as of the goodbye itself, not of a sweep after the TTL.
    const offline = await stateWhere(dave, 'offline', (s) => !s.online, TTL_MS);
    expect(offline.lastSeen).toBe(stoppedAt);
  });

  it('answers one user and many over HTTP, with a token and a valid body', async () => {
    const gw = await startGateway();
    const erin = uniqueName('erin');
    await send(socketEvent('socket_connected', erin, gw, 'e1', { device: 'tablet' }));
    await stateWhere(erin, 'online', (s) => s.online);

    const one = await fetch(`${presence.base}/v1/presence/${erin}`, { headers });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(states.get(erin));

    const nobody = uniqueName('nobody');
    const many = await fetch(`${presence.base}/v1/presence/query`, { method: 'POST', headers, body: JSON.stringify({ userIds: [nobody, erin] }) });
    expect(many.status).toBe(200);
    const { users } = (await many.json()) as { users: PresenceState[] };
    expect(users.map((u) => [u.userId, u.online, u.gateways])).toEqual([
      [nobody, false, []],
      [erin, true, [{ gatewayId: gw, sockets: 1 }]],
    ]);

    const anonymous = await fetch(`${presence.base}/v1/presence/${erin}`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('NOTIFY_ERR_UNAUTHENTICATED');
    const unscoped = await fetch(`${presence.base}/v1/presence/query`, { method: 'POST', headers: { ...headers, authorization: 'Bearer billing-secret-0123456789ab' }, body: JSON.stringify({ userIds: [erin] }) });
    expect(unscoped.status).toBe(403);
    expect(((await unscoped.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'NOTIFY_ERR_FORBIDDEN', message: 'token "billing" lacks the scope presence:read (add it after the secret in INTAKE_TOKENS: name:secret:presence:read)' });
    const bad = await fetch(`${presence.base}/v1/presence/query`, { method: 'POST', headers, body: JSON.stringify({ userIds: [] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'NOTIFY_ERR_VALIDATION', message: expect.stringContaining('userIds') });
  });

  it('rebuilds its state from presence.state after being killed: a socket connected before the kill still takes its user offline', async () => {
    const gw = await startGateway();
    const frank = uniqueName('frank');
    await send(socketEvent('socket_connected', frank, gw, 'f1', { device: 'phone' }));
    await stateWhere(frank, 'online', (s) => s.online);

    expect(await presence.process.stop('SIGKILL')).toBeNull();
    presence = await startPresence();
    const rebuilt = await waitFor('the restarted presence to know frank', async () => {
      const res = await fetch(`${presence.base}/v1/presence/${frank}`, { headers });
      const body = (await res.json()) as PresenceState;
      return body.online ? body : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(rebuilt.connections).toMatchObject([{ socketId: 'f1', gatewayId: gw, device: 'phone' }]);

    const bye = socketEvent('socket_disconnected', frank, gw, 'f1');
    await send(bye);
    // Well within the TTL, and with the gateway still beating: only the rebuilt socket id explains it.
    const offline = await stateWhere(frank, 'offline', (s) => !s.online, 30_000);
    expect(offline.lastSeen).toBe(bye.at);
    const res = await fetch(`${presence.base}/v1/presence/${frank}`, { headers });
    expect(await res.json()).toMatchObject({ online: false, lastSeen: bye.at });
  }, 120_000);
});
