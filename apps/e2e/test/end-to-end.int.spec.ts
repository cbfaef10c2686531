import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyClient, memoryCursorStore } from '@notify/client';
import { ApnsEmulator } from '@notify/push-emulators';
import { freePort, requireKafka, requireMongo, sleep, startServiceOnInfra, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';
import { assembleRelease, type Deployable, type Release } from './release';

/**
 * The whole product on the real Kafka and MongoDB-wire server, as production runs it: the compiled
 * release the image ships (plain node, production dependencies only, laid out by the image's own
 * script), run twice: each service its own process (with the APNs emulator standing in for Apple),
 * and the embedded single process (which pushes to its own local emulators). Product events are
 * written to `notify.events` with a plain kafkajs producer, as a product team's service would.
 */
let release: Release;
const jwtSecret = 'e2e-jwt-secret-0123456789abcdefghijkl';
const producer = 'shop:e2e-producer-secret-0123456789:events:write+events:read+presence:read+devices:write';
const admin = 'ops:e2e-admin-secret-0123456789abcd';
const bearer = (pair: string) => ({ authorization: `Bearer ${pair.split(':')[1]}`, 'content-type': 'application/json' });
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const apnsAuth = { key: p8, keyId: 'E2EKEY0001', teamId: 'E2ETEAM001' };

type Mode = 'distributed' | 'embedded';
/** The load test: LOAD_EVENTS transactional events at LOAD_RATE a second, spread over LOAD_USERS connected users. */
const LOAD_USERS = 40;
const LOAD_EVENTS = 1200;
const LOAD_RATE = 100;
const userToken = (userId: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(new TextEncoder().encode(jwtSecret));
interface ApnsRecord {
  token: string;
  headers: { priority?: string; topic?: string };
  payload?: unknown;
  status: number;
}
let apns: ApnsEmulator;
let prefix: string;
let kafka: Kafka;
const processes: ServiceProcess[] = [];
const base: Record<'router' | 'gateway' | 'presence' | 'push', string> = { router: '', gateway: '', presence: '', push: '' };
const clients: NotifyClient[] = [];

async function start(name: keyof typeof base, env: Record<string, string>, entry = release.entry(name)): Promise<void> {
  const port = await freePort();
  const child = startServiceProcess(entry, { ...env, PORT: String(port), ...(name === 'gateway' ? { GATEWAY_RELAY_PORT: String(await freePort()) } : {}) });
  processes.push(child);
  base[name] = `http://127.0.0.1:${port}`;
  await waitFor(`${name} to be ready`, async () => (await fetch(`${base[name]}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 100 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${child.output().slice(-2000)}`);
  });
}

async function deploy(mode: Mode): Promise<void> {
  processes.length = 0;
  prefix = uniqueName(`e2e-${mode}`);
  const brokers = await requireKafka();
  const common = { KAFKA_BROKERS: brokers.join(','), MONGO_URL: await requireMongo(prefix), TOPIC_PREFIX: prefix, INTAKE_TOKENS: producer, ADMIN_TOKENS: admin, LOG_LEVEL: 'warn', ROUTER_DIGEST_TICK_MS: '200' };
  kafka = new Kafka({ clientId: 'product-service', brokers, logLevel: logLevel.NOTHING });
  if (mode === 'embedded') {
    await start('router', { ...common, JWT_SECRET: jwtSecret }, release.entry('embedded'));
    base.gateway = base.presence = base.push = base.router;
    return;
  }
  // The gateways sign their announcements with it; presence believes only those.
  const relaySecret = 'e2e-relay-secret-0123456789abcdefghij';
  await start('presence', { ...common, GATEWAY_RELAY_SECRET: relaySecret });
  await Promise.all([
    start('router', common),
    // Every client of the test connects from 127.0.0.1: no limit on connection attempts per address.
    start('gateway', { ...common, JWT_SECRET: jwtSecret, GATEWAY_RELAY_SECRET: relaySecret, GATEWAY_CONNECT_RATE_PER_ADDRESS: '0' }),
    start('push', { ...common, APNS_KEY: p8, APNS_KEY_ID: apnsAuth.keyId, APNS_TEAM_ID: apnsAuth.teamId, APNS_ADDRESS: apns.address, APNS_PORT: String(apns.port), APNS_CA: apns.ca, PUSH_RETRY_INITIAL_MS: '100' }),
  ]);
}

async function undeploy(): Promise<void> {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(processes.map((p) => p.stop('SIGTERM')));
}

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth: apnsAuth }).start();
  release = await assembleRelease();
}, 300_000);

afterAll(async () => {
  await undeploy();
  await apns?.stop();
  await release?.remove();
});

describe('the release the image ships', () => {
  const deployables: Deployable[] = ['router', 'gateway', 'presence', 'push', 'webhooks', 'embedded'];

  it('holds each service compiled to JavaScript and production dependencies only', () => {
    for (const deployable of deployables) expect(existsSync(release.entry(deployable)), deployable).toBe(true);
    // No TypeScript source ships: a service's folder holds its manifest and its build.
    for (const name of ['router', 'gateway', 'presence', 'push', 'webhooks']) expect(readdirSync(path.join(release.dir, 'services', name)).sort()).toEqual(['dist', 'package.json']);
    const installed = (name: string) => existsSync(path.join(release.dir, 'node_modules', name, 'package.json'));
    for (const runtime of ['fastify', 'kafkajs', 'mongoose', 'socket.io', '@parse/node-apn', 'firebase-admin']) expect(installed(runtime), runtime).toBe(true);
    for (const development of ['tsx', 'typescript', 'vitest', 'nx', 'eslint', 'tsup', 'node']) expect(installed(development), development).toBe(false);
    // The dependency fixes in patches/ are applied to the production install too.
    expect(readFileSync(path.join(release.dir, 'node_modules/@parse/node-apn/lib/client.js'), 'utf8')).toContain('error.retryAfter == null');
  });

  it('runs a service from its build with plain node, and the image’s health check tells up from down', async () => {
    const webhooks = await startServiceOnInfra({ name: 'release-webhooks', entry: release.entry('webhooks'), env: { INTAKE_TOKENS: producer, ADMIN_TOKENS: admin } });
    try {
      const healthcheck = (port: string) =>
        promisify(execFile)(process.execPath, [path.join(release.dir, 'healthcheck.mjs')], { env: { ...process.env, SERVICE: 'webhooks', PORT: port } }).then(() => 0, (err: { code?: number }) => err.code);
      expect(await healthcheck(new URL(webhooks.url).port)).toBe(0);
      expect(await healthcheck(String(await freePort()))).toBe(1);
    } finally {
      await webhooks.process.stop();
    }
  });
});

/** What a product team does: a plain Kafka producer writing the envelope, keyed by the recipient. */
async function produce(...events: Array<{ id: string; type: string; userId: string; priority?: string; payload?: Record<string, unknown> }>): Promise<void> {
  const kafkaProducer = kafka.producer();
  await kafkaProducer.connect();
  await kafkaProducer.send({
    topic: `${prefix}.notify.events`,
    messages: events.map((e) => ({
      key: e.userId,
      value: JSON.stringify({ version: 1, id: e.id, type: e.type, to: { userId: e.userId }, ...(e.priority ? { priority: e.priority } : {}), payload: e.payload ?? { title: 'Hello', body: 'From the product' }, createdAt: new Date().toISOString() }),
    })),
  });
  await kafkaProducer.disconnect();
}

/** What reached APNs: the test's emulator, or the embedded product's own (shown at /v1/dev/pushes). */
let mode: Mode = 'distributed';
async function apnsReceived(): Promise<ApnsRecord[]> {
  if (mode === 'distributed') return apns.received as unknown as ApnsRecord[];
  return ((await (await fetch(`${base.push}/v1/dev/pushes`, { headers: bearer(producer) })).json()) as { apns: ApnsRecord[] }).apns;
}

const registerPhone = async (userId: string) => {
  const token = Buffer.from(userId.padEnd(32, '.')).toString('hex').slice(0, 64);
  const response = await fetch(`${base.push}/v1/users/${userId}/devices/${token}`, { method: 'PUT', headers: bearer(producer), body: JSON.stringify({ platform: 'ios', appId: 'com.example.shop' }) });
  expect(response.status).toBe(201);
  return token;
};

describe.each(['distributed', 'embedded'] as const)('end to end, %s', (which) => {
  beforeAll(async () => {
    mode = which;
    await deploy(which);
  }, 180_000);
  afterAll(() => undeploy());

  it('serves the ops console the build carries', async () => {
    const page = await fetch(`${base.router}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('The console is not built');
  });

  it('reaches an online user’s socket.io client at once, and the trail shows every step', async () => {
    const token = await userToken('alice');
    const alice = new NotifyClient({ url: base.gateway, token, transports: ['websocket'], cursorStore: memoryCursorStore() });
    clients.push(alice);
    const received: Array<{ notificationId: string; at: number }> = [];
    alice.on('notification', (n) => received.push({ notificationId: n.notificationId, at: Date.now() }));
    await alice.connect();
    await waitFor('presence to report alice online', async () => ((await (await fetch(`${base.presence}/v1/presence/alice`, { headers: bearer(producer) })).json()) as { online: boolean }).online, { timeoutMs: 20_000 });
    // The router learns it from presence.state; give that a moment to arrive.
    await sleep(500);
    const writtenAt = Date.now();
    await produce({ id: 'pay-1', type: 'payment.succeeded', userId: 'alice', priority: 'transactional', payload: { title: 'Payment received', body: 'You were paid 42 EUR' } });
    await waitFor('alice’s socket to receive it', () => received.length === 1, { timeoutMs: 20_000 });
    console.log(`${which}: event written to Kafka → alice's socket: ${received[0]!.at - writtenAt} ms`);
    expect(received[0]!.notificationId).toBe('pay-1:alice');
    await waitFor('the trail to show the ack', async () => {
      // Written straight to Kafka, so no team token sent it: the ops token reads its trail.
      const response = await fetch(`${base.router}/v1/notifications/pay-1:alice/history`, { headers: bearer(admin) });
      if (response.status !== 200) return false;
      const { history } = (await response.json()) as { history: Array<{ service: string; status: string }> };
      return history.some((h) => h.service === 'gateway' && h.status === 'delivered') && history;
    }, { timeoutMs: 20_000 });
    expect((await apnsReceived()).filter((r) => r.token.startsWith(Buffer.from('alice').toString('hex')))).toEqual([]);
  });

  it('reaches an offline user as an APNs push', async () => {
    const phone = await registerPhone('bob');
    const writtenAt = Date.now();
    await produce({ id: 'ride-1', type: 'ride.arriving', userId: 'bob', priority: 'transactional', payload: { title: 'Your ride is here', body: 'Grey sedan, plate NX-42' } });
    await waitFor('bob’s push at APNs', async () => (await apnsReceived()).some((r) => r.token === phone), { timeoutMs: 20_000 });
    console.log(`${which}: event written to Kafka → APNs for offline bob: ${Date.now() - writtenAt} ms`);
    expect((await apnsReceived()).find((r) => r.token === phone)).toMatchObject({ headers: { priority: '10', topic: 'com.example.shop' }, status: 200 });
  });

  it('under load on the real store: every notification reaches its user once, in order, and is acknowledged', async () => {
    const users = Array.from({ length: LOAD_USERS }, (_, i) => `load-${i}`);
    const tokens = new Map(await Promise.all(users.map(async (u) => [u, await userToken(u)] as const)));
    const received = new Map<string, string[]>(users.map((u) => [u, []]));
    const latencies: number[] = [];
    await Promise.all(
      users.map(async (userId) => {
        const client = new NotifyClient({ url: base.gateway, token: tokens.get(userId)!, transports: ['websocket'], cursorStore: memoryCursorStore() });
        clients.push(client);
        client.on('notification', (n) => {
          received.get(userId)!.push(n.notificationId);
          latencies.push(Date.now() - Number(n.content.data?.writtenAt));
        });
        await client.connect();
      }),
    );
    await waitFor('presence to report every load user online', async () => {
      const response = await fetch(`${base.presence}/v1/presence/query`, { method: 'POST', headers: bearer(producer), body: JSON.stringify({ userIds: users }) });
      const { users: states } = (await response.json()) as { users: Array<{ online: boolean }> };
      return states.filter((u) => u.online).length === users.length;
    }, { timeoutMs: 30_000 });
    await sleep(500); // the router's presence view hears it from presence.state
    // LOAD_EVENTS events at LOAD_RATE a second, in ticks of 100 ms, each to the next user in turn.
    const kafkaProducer = kafka.producer();
    await kafkaProducer.connect();
    const started = Date.now();
    for (let written = 0, tick = 1; written < LOAD_EVENTS; tick++) {
      const due = Math.min(LOAD_EVENTS, Math.round((tick * LOAD_RATE) / 10));
      const messages = Array.from({ length: due - written }, (_, j) => {
        const n = written + j;
        const userId = users[n % users.length]!;
        return { key: userId, value: JSON.stringify({ version: 1, id: `load-${n}`, type: 'chat.message', to: { userId }, priority: 'transactional', payload: { title: `message ${n}`, writtenAt: Date.now() }, createdAt: new Date().toISOString() }) };
      });
      await kafkaProducer.send({ topic: `${prefix}.notify.events`, messages });
      written = due;
      await sleep(Math.max(0, started + tick * 100 - Date.now()));
    }
    await kafkaProducer.disconnect();
    const total = () => [...received.values()].reduce((sum, ids) => sum + ids.length, 0);
    await waitFor(`${LOAD_EVENTS} notifications at the sockets`, () => total() >= LOAD_EVENTS, { timeoutMs: 60_000 });
    latencies.sort((a, b) => a - b);
    console.log(`${which}, real store: ${LOAD_EVENTS} events at ${LOAD_RATE}/s to ${LOAD_USERS} sockets: p50 ${latencies[Math.floor(latencies.length * 0.5)]} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]} ms`);
    // Exactly once, in the order written, for every user.
    for (const [index, userId] of users.entries()) {
      const expected = Array.from({ length: LOAD_EVENTS / LOAD_USERS }, (_, k) => `load-${index + k * LOAD_USERS}:${userId}`);
      expect(received.get(userId), userId).toEqual(expected);
    }
    // Every ack reached the inbox: nothing is left `sent` (a fallback would push it).
    await waitFor('every inbox item acknowledged', async () => {
      for (const userId of users.slice(0, 5)) {
        const response = await fetch(`${base.gateway}/v1/inbox?limit=100`, { headers: { authorization: `Bearer ${tokens.get(userId)}` } });
        const { items } = (await response.json()) as { items: Array<{ state: string }> };
        if (items.length !== LOAD_EVENTS / LOAD_USERS || items.some((i) => i.state === 'sent')) return false;
      }
      return true;
    }, { timeoutMs: 30_000 });
  }, 120_000);

  it('turns a marketing burst into one digest push per user after the window', async () => {
    const rule = { ruleId: 'e2e-offers', name: 'Offers in a digest', definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 3000, maxItems: 50, title: '{{count}} new offers' } } } };
    expect((await fetch(`${base.router}/v1/admin/rules`, { method: 'POST', headers: bearer(admin), body: JSON.stringify(rule) })).status).toBe(201);
    await sleep(500);
    const carol = await registerPhone('carol');
    const dave = await registerPhone('dave');
    await produce(
      ...Array.from({ length: 5 }, (_, i) => ({ id: `promo-c${i}`, type: 'promo.sale', userId: 'carol' })),
      ...Array.from({ length: 3 }, (_, i) => ({ id: `promo-d${i}`, type: 'promo.sale', userId: 'dave' })),
    );
    await waitFor('one digest each', async () => (await apnsReceived()).some((r) => r.token === carol) && (await apnsReceived()).some((r) => r.token === dave), { timeoutMs: 30_000 });
    await sleep(2000);
    const digests = (await apnsReceived()).filter((r) => r.token === carol || r.token === dave);
    expect(digests).toHaveLength(2);
    expect(digests.find((r) => r.token === carol)).toMatchObject({ headers: { priority: '5' } });
    expect(JSON.stringify(digests.find((r) => r.token === carol)?.payload)).toContain('5 new offers');
    expect(JSON.stringify(digests.find((r) => r.token === dave)?.payload)).toContain('3 new offers');
  });
});
