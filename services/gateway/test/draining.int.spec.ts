import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import { startBalancer, waitFor, type Balancer } from '@notify/testing';
import { deployment, device, inapp, metricValue, startGatewayProcess, startPresenceProcess, topics, type Device, type ServiceUnderTest } from './gateway-processes';

/**
 * A deploy: one of two gateways behind a balancer gets SIGTERM while hundreds of clients are
 * connected and notifications keep coming. Its clients are moved in waves over the drain window,
 * land on the other instance, and nobody misses or repeats a notification.
 */
const CLIENTS = 200;
const ROUNDS = 2;
const WINDOW_MS = 4000;
let env: Record<string, string>;
let bus: Bus;
let presence: ServiceUnderTest;
let leaving: ServiceUnderTest;
let staying: ServiceUnderTest;
let balancer: Balancer;
const clients: Device[] = [];

beforeAll(async () => {
  ({ env, bus } = await deployment('gw-drain'));
  // A drain needs no fast failover; the default session timeout rides out a busy store.
  env.KAFKA_SESSION_TIMEOUT_MS = '30000';
  presence = await startPresenceProcess(env);
  const drain = { GATEWAY_DRAIN_WINDOW_MS: String(WINDOW_MS), SHUTDOWN_TIMEOUT_MS: '30000' };
  [leaving, staying] = await Promise.all([startGatewayProcess(env, drain), startGatewayProcess(env, drain)]);
  balancer = await startBalancer([leaving.base, staying.base]);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.client.close();
  await balancer?.stop();
  await Promise.all([leaving, staying, presence].map((s) => s?.process.stop('SIGKILL')));
  await bus?.stop();
});

describe('draining a gateway', () => {
  it('moves its clients to the other instance in jittered waves over the window, losing and repeating nothing', async () => {
    for (let i = 0; i < CLIENTS; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => device(balancer.url, `user-${i + j}`, 'app')))));
    await waitFor('every client to know its starting cursor', () => clients.every((c) => c.client.cursor !== undefined));
    const held = await metricValue(leaving.base, 'notify_gateway_connections');
    expect(held).toBeGreaterThan(CLIENTS / 3);

    const sent = new Map<string, string[]>(clients.map((c) => [c.userId, []]));
    const publishRound = async () => {
      const batch = clients.map((c) => inapp(c.userId));
      batch.forEach((n) => sent.get(n.userId)!.push(n.notificationId));
      await bus.publish(topics.deliverInapp, batch.map((value) => ({ value })));
    };
    const termAt = Date.now();
    leaving.process.child.kill('SIGTERM');
    // Notifications keep coming while the drain is under way.
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, WINDOW_MS / (ROUNDS + 1)));
      await publishRound();
    }
    expect(await leaving.process.exited).toBe(0);
    const exitedAfterMs = Date.now() - termAt;

    // The clients the leaving instance held are the ones that were disconnected.
    const moved = clients.filter((c) => c.disconnectedAt.length > 0);
    expect(moved).toHaveLength(held);
    await waitFor('every drained client to reconnect', () => moved.every((c) => c.client.connected), { timeoutMs: 30_000 });
    await waitFor(`every client to have all ${ROUNDS} rounds`, () => clients.every((c) => c.received.length >= ROUNDS), { timeoutMs: 120_000 }).catch((err: Error) => {
      const short = clients.filter((c) => c.received.length < ROUNDS);
      throw new Error(`${err.message}; ${short.length} short, e.g. ${JSON.stringify(short.slice(0, 3).map((c) => ({ user: c.userId, got: c.received.map((n) => n.notificationId), connected: c.client.connected })))}`);
    });
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of clients) expect(c.received.map((n) => n.notificationId)).toEqual(sent.get(c.userId));

    // The spread: when each drained client was let go, relative to SIGTERM, in tenths of the window.
    const offsets = moved.map((c) => c.disconnectedAt[0]! - termAt);
    const perTenth = Array.from({ length: 10 }, (_, t) => offsets.filter((o) => Math.floor((o / WINDOW_MS) * 10) === t).length);
    const refusedThere = balancer.routed.filter((r) => r.at >= termAt && r.backend === leaving.base).length;
    console.log(`drain: ${moved.length} clients over ${WINDOW_MS} ms, per tenth of the window: ${perTenth.join(' ')}; process exited ${exitedAfterMs} ms after SIGTERM; balancer took it out ${(balancer.takenOutAt.get(leaving.base) ?? NaN) - termAt} ms after SIGTERM, ${refusedThere} reconnects sent there before`);
    expect(Math.max(...offsets)).toBeLessThan(WINDOW_MS + 1500);
    // No tenth takes more than a quarter of the clients (a herd would put them all in the first).
    expect(Math.max(...perTenth)).toBeLessThan(moved.length / 4);
    expect(perTenth.filter((n) => n > 0).length).toBeGreaterThanOrEqual(8);
    // Every client ends up on the instance that stays. A reconnect the balancer sent to the leaving
    // instance before its health check saw the 503 was refused there and retried: from then on, none went there.
    expect(await metricValue(staying.base, 'notify_gateway_connections')).toBe(CLIENTS);
    const outAt = balancer.takenOutAt.get(leaving.base);
    expect(outAt, 'the balancer took the leaving instance out').toBeDefined();
    const lateToLeaving = balancer.routed.filter((r) => r.at > outAt! && r.backend === leaving.base);
    expect(lateToLeaving.map((r) => r.at - termAt)).toEqual([]);
  }, 240_000);
});
