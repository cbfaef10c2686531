import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus, type Bus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMongoStore, type MongoStore } from '@notify/store';
import { freePort, requireMongo, sleep, startServiceProcess, waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders, producerHeaders, routerEnv } from '../../test/router-process';
import { startSmsReceiver, type SmsReceiver } from './sms-receiver';

/**
 * Escalation ladders on the real data path: router processes and the webhooks service on the real
 * Kafka and MongoDB-wire server, and a webhook receiver standing in for the product's SMS sender.
 * The test plays the gateway's part with the same store calls a gateway makes: it stores what
 * reaches deliver.inapp in the inbox and records reads there, where the router's sweep looks.
 */
const PUSH_AFTER_MS = 4000;
const WEBHOOK_AFTER_MS = 8000;

let env: Record<string, string>;
let bus: Bus;
let store: MongoStore;
const processes: ServiceProcess[] = [];
const inapp: Notification[] = [];
const pushes: Notification[] = [];
const escalated: DeliveryStatus[] = [];
let sms: SmsReceiver;
const routerEntry = fileURLToPath(new URL('../main.ts', import.meta.url));
const webhooksEntry = fileURLToPath(new URL('../../../webhooks/src/main.ts', import.meta.url));

beforeAll(async () => {
  const base = await routerEnv('escalations');
  // One deployment: the webhooks service reads the router's statuses and its record of who sent each event.
  // The broker's minimum session timeout: a killed router's partitions move to the next after 6 s.
  env = { ...base, MONGO_URL: await requireMongo(base.TOPIC_PREFIX!), KAFKA_SESSION_TIMEOUT_MS: '6000', ROUTER_ESCALATION_SWEEP_MS: '200' };
  store = await createMongoStore({ url: env.MONGO_URL! });
  bus = createBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), kafkaBrokers: env.KAFKA_BROKERS!.split(','), topicPrefix: env.TOPIC_PREFIX!, kafkaSessionTimeoutMs: 6000 });
  await bus.start();
  // The gateway's part: what is delivered in-app is in the inbox.
  await bus.subscribeBatch(topics.deliverInapp, { groupId: 'test-gateway' }, async (batch) => {
    await store.inbox.appendMany(batch.map(({ value: n }) => ({ notificationId: n.notificationId, userId: n.userId, eventId: n.eventId, type: n.type, priority: n.priority, content: n.content, createdAt: new Date(n.createdAt) })));
    inapp.push(...batch.map((m) => m.value));
  });
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push(m.value));
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void (m.value.status === 'escalated' && escalated.push(m.value)));

  // The product's receiver, subscribed to the status kind `escalated` of payment events.
  sms = await startSmsReceiver();
  const port = await freePort();
  const webhooks = startServiceProcess(webhooksEntry, { ...env, PORT: String(port), WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_MS: '50' });
  processes.push(webhooks);
  const webhooksBase = `http://127.0.0.1:${port}`;
  await waitFor('the webhooks service to be ready', async () => {
    if (webhooks.child.exitCode !== null) throw new Error(`webhooks exited: ${webhooks.output()}`);
    return (await fetch(`${webhooksBase}/readyz`).catch(() => undefined))?.status === 200;
  }, { timeoutMs: 90_000, intervalMs: 100 });
  expect(await sms.subscribe(webhooksBase)).toBe(201);
}, 150_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await bus?.stop();
  await store?.connection.dropDatabase();
  await store?.close();
  sms?.close();
});

/** A router process, once ready: joining the intake groups waits for a killed member's session to end (6 s), and other suites share the cores. */
async function router(): Promise<{ base: string; process: ServiceProcess }> {
  const port = await freePort();
  const process = startServiceProcess(routerEntry, { ...env, PORT: String(port) });
  processes.push(process);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`router on port ${port} to be ready`, async () => {
    if (process.child.exitCode !== null) throw new Error(`router exited: ${process.output()}`);
    return (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200;
  }, { timeoutMs: 90_000, intervalMs: 100 });
  return { base, process };
}
/** The router the first test starts and the second kills. */
let first: { base: string; process: ServiceProcess };

const rule = {
  ruleId: 'payment-alerts',
  name: 'Payment alerts: in-app, then push, then SMS',
  definition: { match: { types: ['payment.*'] }, outcome: { priority: 'critical', escalation: { steps: [{ afterMs: PUSH_AFTER_MS, unless: 'read', to: 'push' }, { afterMs: WEBHOOK_AFTER_MS, unless: 'read', to: 'webhook' }] } } },
};

async function send(base: string, id: string, userId: string): Promise<void> {
  const event = { version: 1, id, type: 'payment.failed', to: { userId }, payload: { title: `Payment ${id} failed`, body: 'Update your card', amount: 42 }, createdAt: new Date().toISOString() };
  const response = await fetch(`${base}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify({ events: [event] }) });
  expect(response.status).toBe(202);
}

const read = (userId: string, notificationId: string) => store.inbox.recordStates(userId, [notificationId], 'read');
const stepsOf = (notificationId: string) => escalated.filter((s) => s.notificationId === notificationId).map((s) => s.channel);
const pushesOf = (notificationId: string) => pushes.filter((p) => p.notificationId === notificationId).length;
const inInbox = (notificationId: string) => inapp.some((n) => n.notificationId === notificationId);
const smsOf = (notificationId: string) => sms.smsOf(notificationId);

describe('escalation ladder (router processes, Kafka, MongoDB-wire store)', () => {
  it('read in time: nothing escalates; read after the push: no webhook; never read: every step, once each', async () => {
    first = await router();
    const { base } = first;
    expect((await fetch(`${base}/v1/admin/rules`, { method: 'POST', headers: adminHeaders, body: JSON.stringify(rule) })).status).toBe(201);
    await Promise.all([send(base, 'p1', 'reads-in-time'), send(base, 'p2', 'reads-after-push'), send(base, 'p3', 'never-reads')]);
    await waitFor('all three in the inbox', () => ['p1:reads-in-time', 'p2:reads-after-push', 'p3:never-reads'].every(inInbox), { timeoutMs: 20_000 });
    await read('reads-in-time', 'p1:reads-in-time');
    // Read before its first step was due (the ladder counts from routing).
    expect(Date.now()).toBeLessThan((await store.escalations.get('p1:reads-in-time'))!.dueAt!.getTime());

    await waitFor('the push of the unread', () => pushesOf('p2:reads-after-push') === 1 && pushesOf('p3:never-reads') === 1, { timeoutMs: 20_000 });
    await read('reads-after-push', 'p2:reads-after-push');
    await waitFor('the webhook step of the never read', () => stepsOf('p3:never-reads').includes('webhook'), { timeoutMs: 20_000 });
    await sleep(1500); // room for a second copy of any step, if there were one

    expect(stepsOf('p1:reads-in-time')).toEqual([]);
    expect(pushesOf('p1:reads-in-time')).toBe(0);
    expect(stepsOf('p2:reads-after-push')).toEqual(['push']);
    expect(stepsOf('p3:never-reads')).toEqual(['push', 'webhook']);
    expect(pushesOf('p3:never-reads')).toBe(1);
    expect(await store.escalations.get('p1:reads-in-time')).toMatchObject({ end: 'read' });
    expect(await store.escalations.get('p2:reads-after-push')).toMatchObject({ end: 'read' });
    expect(await store.escalations.get('p3:never-reads')).toMatchObject({ end: 'completed' });

    // The webhook step carries the notification, for the product's SMS or email.
    const webhook = escalated.find((s) => s.notificationId === 'p3:never-reads' && s.channel === 'webhook')!;
    expect(webhook).toMatchObject({ eventType: 'payment.failed', userId: 'never-reads', reason: `not read within ${WEBHOOK_AFTER_MS / 1000} s: escalated to webhook` });
    expect(webhook.detail).toMatchObject({ step: 2, steps: 2, ruleId: 'payment-alerts', notification: { title: 'Payment p3 failed', body: 'Update your card', priority: 'critical', data: { amount: 42 } } });
    // The receiver got it once, signed and typed, with what an SMS needs.
    await waitFor('the SMS webhook', () => smsOf('p3:never-reads').length > 0, { timeoutMs: 20_000 });
    await sleep(500);
    expect(smsOf('p3:never-reads')).toEqual([expect.objectContaining({ type: 'notification.escalated', data: expect.objectContaining({ userId: 'never-reads', detail: expect.objectContaining({ notification: expect.objectContaining({ title: 'Payment p3 failed' }) }) }) })]);
    expect(smsOf('p2:reads-after-push')).toEqual([]);
    expect(sms.received.filter((r) => r.body.data.notificationId === 'p1:reads-in-time')).toEqual([]);
    // The trail has both steps.
    await waitFor('the trail', async () => (await store.deliveryLog.history({ notificationId: 'p3:never-reads' })).filter((e) => e.status === 'escalated').length === 2, { timeoutMs: 10_000 });
  }, 90_000);

  it('a router killed between steps: the next owner of the partition takes the next step, once, and skips what was read meanwhile', async () => {
    const users = Array.from({ length: 6 }, (_, i) => `killed-${i}`);
    await Promise.all(users.map((u, i) => send(first.base, `k${i}`, u)));
    const ids = users.map((u, i) => `k${i}:${u}`);
    await waitFor('every push step', () => ids.every((id) => stepsOf(id).includes('push')), { timeoutMs: 30_000 });
    // Between steps: the push step settled in the store (its status is published before it is settled;
    // a router killed in between has its step taken again, by design, and the push service dedupes it).
    await waitFor('every push step settled', async () => (await Promise.all(ids.map((id) => store.escalations.get(id)))).every((l) => l !== null && l.next === 1), { timeoutMs: 10_000 });
    // The first user reads it on their phone now: the router that takes over must see it in the store.
    await read(users[0]!, ids[0]!);
    await first.process.stop('SIGKILL');
    const killedAt = Date.now();
    await router();
    await waitFor('every webhook step of the unread', () => ids.slice(1).every((id) => stepsOf(id).includes('webhook')), { timeoutMs: 40_000 });
    await sleep(1500);
    await waitFor('every SMS webhook', () => ids.slice(1).every((id) => smsOf(id).length > 0), { timeoutMs: 20_000 });
    for (const id of ids.slice(1)) {
      expect(stepsOf(id)).toEqual(['push', 'webhook']);
      expect(pushesOf(id)).toBe(1);
      expect(smsOf(id)).toHaveLength(1);
    }
    expect(smsOf(ids[0]!)).toEqual([]);
    // Taken by the router that came next: every SMS arrived after the first one was killed.
    expect(sms.received.filter((r) => ids.includes(r.body.data.notificationId!) && r.body.data.channel === 'webhook').every((r) => r.at > killedAt)).toBe(true);
    expect(stepsOf(ids[0]!)).toEqual(['push']);
    expect(await store.escalations.get(ids[0]!)).toMatchObject({ end: 'read' });
  }, 180_000);
});
