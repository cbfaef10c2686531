import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import type { DeliveryStatus, Notification, PresenceState } from '@notify/contracts';
import { sleep, waitFor } from '@notify/testing';
import { announcementSigner } from '@notify/contracts/gateway-announcement';
import { relaySecret } from './gateway-harness';
import { deployment, device, inapp, presenceOf, startGatewayProcess, startPresenceProcess, topics, type Device, type ServiceUnderTest } from './gateway-processes';

/**
 * A rolling deploy: the old gateway drains (it has left deliver.inapp but still holds its clients for
 * the drain window), notifications wait, and a new gateway starts. The new one must hand each waiting
 * notification to the draining gateway's client, not take the user for offline because its copy of
 * presence.state is still filling: that would miss the relay and send a needless push.
 */
const USERS = 20;
/**
 * Records ahead of what the new gateway needs, on both presence topics: other users' presence, and an
 * hour of other gateways' heartbeats (kept an hour, read from the start). A directory still reading
 * them does not yet know where these users are or how to reach the draining gateway.
 */
const OTHER_USERS = 200_000;
const OTHER_HEARTBEATS = 40_000;
const FALLBACK_MS = 8000;

let env: Record<string, string>;
let bus: Bus;
let presence: ServiceUnderTest;
let draining: ServiceUnderTest;
let fresh: ServiceUnderTest | undefined;
const devices: Device[] = [];
const statuses: DeliveryStatus[] = [];
const pushes: Notification[] = [];

beforeAll(async () => {
  ({ env, bus } = await deployment('gw-directory'));
  const at = new Date().toISOString();
  for (let start = 0; start < OTHER_USERS; start += 5000) {
    const batch: PresenceState[] = Array.from({ length: 5000 }, (_, i) => ({ version: 1, userId: `other-${start + i}`, online: false, gateways: [], devices: 0, lastSeen: at, connections: [], revision: 1 }));
    await bus.publish(topics.presenceState, batch.map((value) => ({ value })));
  }
  const sign = announcementSigner(relaySecret);
  // A write to this topic is a few KiB at most: ten heartbeats at a time.
  for (let start = 0; start < OTHER_HEARTBEATS; start += 10) {
    const batch = Array.from({ length: 10 }, (_, i) => sign({ version: 1, kind: 'gateway_heartbeat' as const, gatewayId: `other-gw-${(start + i) % 50}`, relayUrl: 'http://127.0.0.1:9/', sockets: 0, at }));
    await bus.publish(topics.presenceGateways, batch.map((value) => ({ value })));
  }
  await bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses', partitionsConcurrently: 8 }, async (m) => void statuses.push(m.value));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes', partitionsConcurrently: 8 }, async (m) => void pushes.push(m.value));
  presence = await startPresenceProcess(env);
  // A drain window far longer than the test: the old gateway keeps its clients throughout.
  draining = await startGatewayProcess(env, { GATEWAY_DRAIN_WINDOW_MS: '600000', SHUTDOWN_TIMEOUT_MS: '600000' });
}, 180_000);

afterAll(async () => {
  for (const d of devices) d.client.close();
  await Promise.all([draining, fresh, presence].map((s) => s?.process.stop('SIGKILL')));
  await bus?.stop();
});

describe('a gateway starting while notifications wait', () => {
  it('relays them to the users online on another gateway once its directory holds presence.state, and pushes none of them', async () => {
    for (let i = 0; i < USERS; i++) devices.push(await device(draining.base, `user-${i}`, 'phone'));
    await waitFor('presence to see every user online', async () => (await Promise.all(devices.map((d) => presenceOf(presence, d.userId)))).every((s) => s.online), { timeoutMs: 30_000 });

    // SIGTERM: the old gateway leaves deliver.inapp first, then drains its clients slowly.
    void draining.process.stop('SIGTERM');
    await waitFor('the old gateway to refuse readiness', async () => (await fetch(`${draining.base}/readyz`).catch(() => undefined))?.status !== 200, { timeoutMs: 10_000 });
    await sleep(2000);
    const waiting = devices.map((d) => ({ ...inapp(d.userId), fallback: { channel: 'push' as const, afterMs: FALLBACK_MS } }));
    await bus.publish(topics.deliverInapp, waiting.map((value) => ({ value })));

    const started = Date.now();
    fresh = await startGatewayProcess(env);
    const readyMs = Date.now() - started;
    // Users the old gateway asked to move during the test are offline by then: only the others count.
    const stayed = () => devices.filter((d) => d.disconnectedAt.length === 0);
    const ids = new Map(waiting.map((n) => [n.userId, n.notificationId]));
    await waitFor('every client still on the old gateway to get its notification', () => stayed().every((d) => d.received.some((n) => n.notificationId === ids.get(d.userId))), { timeoutMs: 20_000 });
    const deliveredMs = Date.now() - started;
    const sentOf = (d: Device) => statuses.find((s) => s.notificationId === ids.get(d.userId) && s.status === 'sent');
    await waitFor('the new gateway’s sent statuses', () => stayed().every(sentOf), { timeoutMs: 20_000 });
    // It knew where each user was when it handed the notification over.
    expect(stayed().filter((d) => sentOf(d)!.detail?.online !== true).map((d) => d.userId)).toEqual([]);

    // Past the fallback window: the clients acknowledged, so no push.
    await sleep(FALLBACK_MS + 3000);
    const stayedUsers = new Set(stayed().map((d) => d.userId));
    expect(stayedUsers.size).toBeGreaterThan(USERS / 2);
    expect(pushes.filter((p) => stayedUsers.has(p.userId)).map((p) => p.userId)).toEqual([]);
    console.info(`new gateway ready ${readyMs} ms after start (${OTHER_USERS} other users in presence.state, ${OTHER_HEARTBEATS} older heartbeats); waiting notifications relayed ${deliveredMs} ms after start to ${stayedUsers.size} clients`);
  }, 180_000);
});
