import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, type Bus } from '@notify/bus';
import { NotifyClient, memoryCursorStore } from '@notify/client';
import { topics, type ClientNotification, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMongoStore, type MongoStore } from '@notify/store';
import { freePort, requireMongo, sleep, startServiceProcess, waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders, producerHeaders, routerEnv } from '../../test/router-process';
import { startSmsReceiver, type SmsReceiver } from './sms-receiver';

/**
 * Escalation ladders the way users stop them: router, gateway and webhooks service as processes on
 * the real Kafka and MongoDB-wire server, users on the client SDK over socket.io. The router sends
 * in-app, the gateway stores it and hands it to the user's device, the device reads it through the
 * gateway, and the router's sweep finds that read where the gateway wrote it. A webhook receiver
 * stands in for the product's SMS sender; no push service runs: a push step is seen as the push the
 * router hands to deliver.push.transactional and as its `escalated` step on the trail.
 */
const jwtSecret = 'escalation-gateway-jwt-secret-0123456789';
const relaySecret = 'escalation-gateway-relay-secret-012345678';

/** The ladder of the first test: push after 4 s, SMS after 8 s, unless read. */
const PUSH_AFTER_MS = 4000;
const WEBHOOK_AFTER_MS = 8000;
/**
 * The ladder of the gateway test: push after 3 s, SMS after 20 s. The gateway is killed before the
 * push and must be back, with its clients reconnected, before the SMS is due: a restart waits for
 * the killed member's Kafka session to end (6 s), and the machine may be shared.
 */
const KILLED_PUSH_AFTER_MS = 3000;
const KILLED_WEBHOOK_AFTER_MS = 20_000;

let env: Record<string, string>;
let bus: Bus;
let store: MongoStore;
const processes: ServiceProcess[] = [];
const clients: NotifyClient[] = [];
const pushes: Notification[] = [];
const escalated: DeliveryStatus[] = [];
/** The gateway's `read` steps on the trail. */
const reads: DeliveryStatus[] = [];
let sms: SmsReceiver;
let routerBase: string;
const routerEntry = fileURLToPath(new URL('../main.ts', import.meta.url));
const gatewayEntry = fileURLToPath(new URL('../../../gateway/src/main.ts', import.meta.url));
const webhooksEntry = fileURLToPath(new URL('../../../webhooks/src/main.ts', import.meta.url));

/** Starts a service process and waits for its /readyz; fails at once, with its output, if it exits first. */
async function start(what: string, entry: string, extra: Record<string, string>, port: number): Promise<ServiceProcess> {
  const child = startServiceProcess(entry, { ...env, ...extra, PORT: String(port) });
  processes.push(child);
  await waitFor(`${what} on port ${port} to be ready`, async () => {
    if (child.child.exitCode !== null) throw new Error(`${what} exited: ${child.output()}`);
    return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
  }, { timeoutMs: 90_000, intervalMs: 100 });
  return child;
}

/** The gateway: restarted on the same ports, as behind a load balancer, so the SDK finds it again by itself. */
const gatewayPorts = { client: 0, relay: 0 };
let gateway: ServiceProcess;
const gatewayUrl = () => `http://127.0.0.1:${gatewayPorts.client}`;
async function startGateway(): Promise<ServiceProcess> {
  gateway = await start('gateway', gatewayEntry, { JWT_SECRET: jwtSecret, GATEWAY_RELAY_SECRET: relaySecret, GATEWAY_RELAY_PORT: String(gatewayPorts.relay), GATEWAY_CONNECT_RATE_PER_ADDRESS: '0', GATEWAY_RESYNC_AFTER_MS: '1500' }, gatewayPorts.client);
  return gateway;
}

beforeAll(async () => {
  const base = await routerEnv('escalations-gw');
  // One deployment: router, gateway and webhooks service share the bus and the store.
  env = { ...base, MONGO_URL: await requireMongo(base.TOPIC_PREFIX!), KAFKA_SESSION_TIMEOUT_MS: '6000', ROUTER_ESCALATION_SWEEP_MS: '200' };
  store = await createMongoStore({ url: env.MONGO_URL! });
  bus = createBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), kafkaBrokers: env.KAFKA_BROKERS!.split(','), topicPrefix: env.TOPIC_PREFIX!, kafkaSessionTimeoutMs: 6000 });
  await bus.start();
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push(m.value));
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => {
    if (m.value.status === 'escalated') escalated.push(m.value);
    if (m.value.status === 'read') reads.push(m.value);
  });

  sms = await startSmsReceiver();

  gatewayPorts.client = await freePort();
  gatewayPorts.relay = await freePort();
  const routerPort = await freePort();
  const webhooksPort = await freePort();
  routerBase = `http://127.0.0.1:${routerPort}`;
  await Promise.all([start('router', routerEntry, {}, routerPort), startGateway(), start('webhooks', webhooksEntry, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_MS: '50' }, webhooksPort)]);

  expect(await sms.subscribe(`http://127.0.0.1:${webhooksPort}`)).toBe(201);
  const ladder = (pushAfterMs: number, webhookAfterMs: number) => ({ priority: 'critical', escalation: { steps: [{ afterMs: pushAfterMs, unless: 'read', to: 'push' }, { afterMs: webhookAfterMs, unless: 'read', to: 'webhook' }] } });
  const rules = [
    { ruleId: 'failed-payments', name: 'Failed payments: in-app, then push, then SMS', definition: { match: { types: ['payment.failed'] }, outcome: ladder(PUSH_AFTER_MS, WEBHOOK_AFTER_MS) } },
    { ruleId: 'disputed-payments', name: 'Disputed payments: in-app, then push, then SMS', definition: { match: { types: ['payment.disputed'] }, outcome: ladder(KILLED_PUSH_AFTER_MS, KILLED_WEBHOOK_AFTER_MS) } },
  ];
  for (const rule of rules) expect((await fetch(`${routerBase}/v1/admin/rules`, { method: 'POST', headers: adminHeaders, body: JSON.stringify(rule) })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await bus?.stop();
  await store?.connection.dropDatabase();
  await store?.close();
  sms?.close();
});

const userToken = (userId: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(new TextEncoder().encode(jwtSecret));

interface Device {
  client: NotifyClient;
  received: ClientNotification[];
}

/** The app on a user's phone: the SDK over WebSocket, resuming from `cursor` (kept across app launches). */
async function device(userId: string, cursor = memoryCursorStore()): Promise<Device> {
  const client = new NotifyClient({ url: gatewayUrl(), token: await userToken(userId), device: `${userId}-phone`, transports: ['websocket'], cursorStore: cursor, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
  clients.push(client);
  const d: Device = { client, received: [] };
  client.on('notification', (n) => d.received.push(n));
  await client.connect();
  return d;
}

async function send(id: string, type: 'payment.failed' | 'payment.disputed', userId: string): Promise<void> {
  const event = { version: 1, id, type, to: { userId }, payload: { title: `Payment ${id}: action needed`, body: 'Update your card', amount: 42 }, createdAt: new Date().toISOString() };
  const response = await fetch(`${routerBase}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify({ events: [event] }) });
  expect(response.status).toBe(202);
}

const has = (d: Device, notificationId: string) => d.received.some((n) => n.notificationId === notificationId);
const stepsOf = (notificationId: string) => escalated.filter((s) => s.notificationId === notificationId).map((s) => s.channel);
const pushesOf = (notificationId: string) => pushes.filter((p) => p.notificationId === notificationId).length;
const smsOf = (notificationId: string) => sms.smsOf(notificationId);
/** When the ladder's next step is due (0 once it has ended: a read after that came too late). */
const dueAt = async (notificationId: string) => (await store.escalations.get(notificationId))?.dueAt?.getTime() ?? 0;

describe('escalation ladder stopped by a read on the client SDK (router, gateway, webhooks as processes)', () => {
  it('read on the device in time: nothing escalates; offline, then read after the push: no SMS; received but never read: push and SMS once each', async () => {
    const inTime = await device('reads-in-time');
    const neverReads = await device('never-reads');
    // The app that comes back later connected once before: its cursor is kept, as an app keeps it on the phone.
    const kept = memoryCursorStore();
    const before = await device('comes-back', kept);
    await waitFor('the cursor of the returning app', () => kept.value !== undefined, { timeoutMs: 10_000 });
    before.client.close();

    const sentAt = Date.now();
    await Promise.all([send('f1', 'payment.failed', 'reads-in-time'), send('f2', 'payment.failed', 'comes-back'), send('f3', 'payment.failed', 'never-reads')]);
    const [f1, f2, f3] = ['f1:reads-in-time', 'f2:comes-back', 'f3:never-reads'];
    await waitFor('both connected devices to get it in-app', () => has(inTime, f1) && has(neverReads, f3), { timeoutMs: 20_000 });
    const inAppMs = Date.now() - sentAt;
    expect(await inTime.client.read([f1])).toBe(1);
    const readAt = Date.now();
    // Read before its first step was due (the ladder counts from routing).
    expect(readAt).toBeLessThan(await dueAt(f1));

    await waitFor('the push steps of the two unread', () => stepsOf(f2).includes('push') && stepsOf(f3).includes('push'), { timeoutMs: 20_000 });
    expect(stepsOf(f1)).toEqual([]);
    // The app is opened after the push: it resumes from its cursor, gets the notification from the inbox and reads it.
    const back = await device('comes-back', kept);
    await waitFor('the returning app to catch up', () => has(back, f2), { timeoutMs: 10_000 });
    expect(await back.client.read([f2])).toBe(1);
    expect(Date.now()).toBeLessThan(await dueAt(f2));

    await waitFor('the SMS step of the never read', () => stepsOf(f3).includes('webhook'), { timeoutMs: 20_000 });
    await waitFor('its SMS webhook', () => smsOf(f3).length > 0, { timeoutMs: 20_000 });
    await sleep(1500); // room for a second copy of any step, if there were one

    expect(stepsOf(f1)).toEqual([]);
    expect(pushesOf(f1)).toBe(0);
    expect(stepsOf(f2)).toEqual(['push']);
    expect(pushesOf(f2)).toBe(1);
    expect(smsOf(f2)).toEqual([]);
    // Delivered to the device (acknowledged by the SDK) is not read: every step is taken.
    expect(stepsOf(f3)).toEqual(['push', 'webhook']);
    expect(pushesOf(f3)).toBe(1);
    expect(smsOf(f3)).toEqual([expect.objectContaining({ type: 'notification.escalated', data: expect.objectContaining({ userId: 'never-reads', detail: expect.objectContaining({ ruleId: 'failed-payments', notification: expect.objectContaining({ title: 'Payment f3: action needed' }) }) }) })]);
    expect(sms.received.filter((r) => r.body.data.notificationId === f1)).toEqual([]);
    expect(await store.escalations.get(f1)).toMatchObject({ end: 'read' });
    expect(await store.escalations.get(f2)).toMatchObject({ end: 'read' });
    expect(await store.escalations.get(f3)).toMatchObject({ end: 'completed' });
    // The reads came from the devices, through the gateway.
    await waitFor('the gateway’s read steps', () => [f1, f2].every((id) => reads.some((r) => r.notificationId === id && r.service === 'gateway')), { timeoutMs: 10_000 });
    console.log(`event → device in-app: ${inAppMs} ms; read on the device ${readAt - sentAt} ms after sending, ladder due at ${PUSH_AFTER_MS} ms`);
  }, 90_000);

  it('the gateway killed (SIGKILL) between steps and restarted: the devices reconnect, each step is taken once, and a read after the restart stops the SMS', async () => {
    const users = Array.from({ length: 4 }, (_, i) => `disputes-${i}`);
    const devices = await Promise.all(users.map((u) => device(u)));
    await Promise.all(users.map((u, i) => send(`d${i}`, 'payment.disputed', u)));
    const ids = users.map((u, i) => `d${i}:${u}`);
    await waitFor('every device to get it in-app', () => devices.every((d, i) => has(d, ids[i]!)), { timeoutMs: 20_000 });

    await gateway.stop('SIGKILL');
    const killedAt = Date.now();
    await startGateway();
    const restartMs = Date.now() - killedAt;
    await waitFor('every device to reconnect by itself', () => devices.every((d) => d.client.connected), { timeoutMs: 20_000 });
    const reconnectMs = Date.now() - killedAt;
    await waitFor('every push step', () => ids.every((id) => stepsOf(id).includes('push')), { timeoutMs: 20_000 });
    // The push steps were due after the kill: taken while the gateway was down or starting.
    expect(escalated.filter((s) => ids.includes(s.notificationId!) && s.channel === 'push').every((s) => Date.parse(s.at) > killedAt)).toBe(true);

    // After the restart, one user reads it on the phone and another marks everything read.
    expect(await devices[0]!.client.read([ids[0]!])).toBe(1);
    expect(await devices[1]!.client.readAll()).toBe(1);
    const readAt = Date.now();
    expect(readAt, 'the reads came before the SMS step was due').toBeLessThan(Math.min(await dueAt(ids[0]!), await dueAt(ids[1]!)));
    // Killed again between the read and the SMS step: a read the device was told about is in the store.
    await gateway.stop('SIGKILL');
    await startGateway();

    await waitFor('the SMS steps of the unread', () => ids.slice(2).every((id) => stepsOf(id).includes('webhook')), { timeoutMs: 40_000 });
    await waitFor('their SMS webhooks', () => ids.slice(2).every((id) => smsOf(id).length > 0), { timeoutMs: 20_000 });
    await sleep(1500);
    for (const id of ids.slice(0, 2)) {
      expect(stepsOf(id)).toEqual(['push']);
      expect(pushesOf(id)).toBe(1);
      expect(smsOf(id)).toEqual([]);
      expect(await store.escalations.get(id)).toMatchObject({ end: 'read' });
    }
    for (const id of ids.slice(2)) {
      expect(stepsOf(id)).toEqual(['push', 'webhook']);
      expect(pushesOf(id)).toBe(1);
      expect(smsOf(id)).toHaveLength(1);
      expect(await store.escalations.get(id)).toMatchObject({ end: 'completed' });
    }
    console.log(`gateway SIGKILL → restarted and ready: ${restartMs} ms; → every device reconnected: ${reconnectMs} ms; reads ${readAt - killedAt} ms after the kill`);
  }, 120_000);
});
