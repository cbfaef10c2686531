import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import type { DeliveryStatus, Notification } from '@notify/contracts';
import { sleep, waitFor } from '@notify/testing';
import { deployment, device, startGatewayProcess, topics, type Device, type ServiceUnderTest } from './gateway-processes';

/**
 * Push fallbacks outlive the gateway that stored them: kept with the inbox item, pushed when due by
 * whichever gateway holds the user's partition of deliver.inapp then. Gateway processes on the real
 * Kafka and MongoDB-wire server, clients on socket.io.
 */
let env: Record<string, string>;
let bus: Bus;
const gateways: ServiceUnderTest[] = [];
const devices: Device[] = [];
const statuses: DeliveryStatus[] = [];
const pushes: Array<{ notification: Notification; receivedAt: number }> = [];
/** The gateway each test leaves running for the next. */
let running: ServiceUnderTest;

const sweepEvery = { GATEWAY_FALLBACK_SWEEP_INTERVAL_MS: '250' };
const startGateway = async () => {
  const gateway = await startGatewayProcess(env, sweepEvery);
  gateways.push(gateway);
  return gateway;
};

beforeAll(async () => {
  ({ env, bus } = await deployment('gw-fallbacks'));
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void statuses.push(m.value));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push({ notification: m.value, receivedAt: Date.now() }));
}, 60_000);

afterAll(async () => {
  for (const d of devices) d.client.close();
  await Promise.all(gateways.map((g) => g.process.stop('SIGKILL')));
  await bus?.stop();
});

let counter = 0;
/** One notification per user, to users spread over the partitions, each with a push fallback. */
async function publishWithFallback(users: string[], afterMs: number): Promise<Notification[]> {
  const batch = users.map((userId): Notification => {
    const n = ++counter;
    return { version: 1, notificationId: `f${n}:${userId}`, eventId: `f${n}`, userId, type: 'chat.message', priority: 'transactional', content: { title: `message ${n}`, data: {} }, createdAt: new Date().toISOString(), fallback: { channel: 'push', afterMs } };
  });
  await bus.publish(topics.deliverInapp, batch.map((value) => ({ value })));
  return batch;
}

const statusesOf = (n: Notification, status: DeliveryStatus['status'], channel: DeliveryStatus['channel'] = 'inapp') => statuses.filter((s) => s.notificationId === n.notificationId && s.status === status && s.channel === channel);
const pushesOf = (n: Notification) => pushes.filter((p) => p.notification.notificationId === n.notificationId);
/** When the gateway that stored it made its fallback due: the time of its `sent` status plus the window. */
const dueAt = (n: Notification) => Date.parse(statusesOf(n, 'sent')[0]!.at) + n.fallback!.afterMs;
const storedBy = (batch: Notification[]) => new Set(batch.map((n) => statusesOf(n, 'sent')[0]!.detail?.gatewayId));
const pushedBy = (batch: Notification[]) => new Set(batch.flatMap((n) => statusesOf(n, 'routed', 'push').map((s) => s.detail?.gatewayId)));
/** How late the latest of a batch's pushes arrived after its due time. */
const latestMs = (batch: Notification[]) => Math.max(...batch.map((n) => pushesOf(n)[0]!.receivedAt - dueAt(n)));
const users = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

async function heldPartitions(gateway: ServiceUnderTest): Promise<number> {
  const text = await (await fetch(`${gateway.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('notify_gateway_fallback_partitions'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('durable push fallbacks', () => {
  it('a gateway stopped with SIGTERM fires none of its pending fallbacks early; the one that takes its partitions pushes each once when due', async () => {
    const [leaving, staying] = await Promise.all([startGateway(), startGateway()]);
    running = staying;
    await waitFor('both gateways to hold partitions', async () => (await heldPartitions(leaving)) > 0 && (await heldPartitions(staying)) > 0, { timeoutMs: 30_000, intervalMs: 200 });
    const batch = await publishWithFallback(users('term', 24), 5000);
    await waitFor('every notification stored', () => batch.every((n) => statusesOf(n, 'sent').length === 1), { timeoutMs: 20_000 });
    expect(storedBy(batch).size).toBe(2);

    await leaving.process.stop('SIGTERM');
    await waitFor('every fallback pushed', () => batch.every((n) => pushesOf(n).length > 0), { timeoutMs: 40_000, intervalMs: 100 });
    await sleep(1500); // room for a second push to show up
    expect(batch.map((n) => pushesOf(n).length)).toEqual(batch.map(() => 1));
    const early = batch.filter((n) => pushesOf(n)[0]!.receivedAt < dueAt(n)).map((n) => n.notificationId);
    console.log(`after SIGTERM: ${batch.length} fallbacks pushed at most ${latestMs(batch)} ms after due (sweep every 250 ms)`);
    expect(early).toEqual([]);
    // Those the stopped gateway stored were pushed by the one left.
    expect(pushedBy(batch).size).toBe(1);
    expect(pushes.find((p) => p.notification.notificationId === batch[0]!.notificationId)!.notification.fallback).toBeUndefined();
  }, 120_000);

  it('a gateway killed with SIGKILL loses none of its pending fallbacks: another gateway pushes each once', async () => {
    const survivor = running;
    const doomed = await startGateway();
    await waitFor('both gateways to hold partitions', async () => (await heldPartitions(doomed)) > 0 && (await heldPartitions(survivor)) > 0, { timeoutMs: 30_000, intervalMs: 200 });
    const batch = await publishWithFallback(users('kill', 24), 4000);
    await waitFor('every notification stored', () => batch.every((n) => statusesOf(n, 'sent').length === 1), { timeoutMs: 20_000 });
    expect(storedBy(batch).size).toBe(2);

    await sleep(1500); // their positions committed: what the killed gateway stored is not delivered again
    await doomed.process.stop('SIGKILL');
    await waitFor('every fallback pushed', () => batch.every((n) => pushesOf(n).length > 0), { timeoutMs: 40_000, intervalMs: 100 });
    await sleep(1500);
    expect(batch.map((n) => pushesOf(n).length)).toEqual(batch.map(() => 1));
    expect(batch.filter((n) => pushesOf(n)[0]!.receivedAt < dueAt(n)).map((n) => n.notificationId)).toEqual([]);
    console.log(`after SIGKILL: ${batch.length} fallbacks pushed at most ${latestMs(batch)} ms after due (session timeout ${env.KAFKA_SESSION_TIMEOUT_MS} ms)`);
  }, 120_000);

  it('never pushes an acknowledged notification, and pushes the others once after the gateway that stored them was killed', async () => {
    const holder = running;
    await waitFor('one gateway to hold every partition', async () => (await heldPartitions(holder)) === topics.deliverInapp.partitions, { timeoutMs: 30_000, intervalMs: 200 });
    const online = users('acked', 8);
    for (const userId of online) devices.push(await device(holder.base, userId, 'phone'));
    const acked = await publishWithFallback(online, 4000);
    const unacked = await publishWithFallback(users('away', 8), 4000);
    await waitFor('the online users’ devices to acknowledge theirs', () => acked.every((n) => statusesOf(n, 'delivered').length > 0), { timeoutMs: 20_000 });
    await waitFor('every notification stored', () => unacked.every((n) => statusesOf(n, 'sent').length === 1), { timeoutMs: 20_000 });

    await sleep(1500); // their positions committed: what the killed gateway stored is not delivered again
    await holder.process.stop('SIGKILL');
    const successor = await startGateway();
    await waitFor('the unacknowledged ones pushed', () => unacked.every((n) => pushesOf(n).length > 0), { timeoutMs: 45_000, intervalMs: 100 });
    await sleep(2000);
    expect(unacked.map((n) => pushesOf(n).length)).toEqual(unacked.map(() => 1));
    expect(acked.flatMap(pushesOf)).toEqual([]);
    expect(await heldPartitions(successor)).toBe(topics.deliverInapp.partitions);
  }, 120_000);
});
