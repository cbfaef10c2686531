import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type Notification, type NotifyEvent, type PresenceState } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { uniqueName, waitFor, type ServiceProcess } from '@notify/testing';
import { routerEnv, startRouter } from './router-process';

/**
 * A router starting with events already waiting routes none of them before its view of
 * presence.state holds the whole topic: a user online there is never taken for offline (and pushed
 * at once), and a user presence took offline is never taken back online by an older record.
 */
let env: Record<string, string>;
let bus: KafkaBus;
let router: { base: string; process: ServiceProcess } | undefined;
const seen = { inapp: [] as Notification[], push: [] as Notification[] };

const at = new Date().toISOString();
const state = (userId: string, online: boolean, revision: number): PresenceState => ({
  version: 1,
  userId,
  online,
  gateways: online ? [{ gatewayId: 'gw-1', sockets: 1 }] : [],
  devices: online ? 1 : 0,
  ...(online ? { since: at } : {}),
  lastSeen: at,
  connections: online ? [{ socketId: `s-${userId}`, gatewayId: 'gw-1', connectedAt: at }] : [],
  revision,
});
const event = (userId: string): NotifyEvent => ({ version: 1, id: uniqueName(`order-${userId}`), type: 'order.shipped', priority: 'transactional', to: { userId }, payload: { title: 'Shipped' }, createdAt: new Date().toISOString() }) as NotifyEvent;

beforeAll(async () => {
  env = await routerEnv('router-presence');
  bus = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'observer', service: 'observer', topicPrefix: env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry('o', { processMetrics: false }) });
  await bus.start();
  await bus.subscribe(topics.deliverInapp, { groupId: 'observer', partitionsConcurrently: 8 }, async (m) => void seen.inapp.push(m.value));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'observer', partitionsConcurrently: 8 }, async (m) => void seen.push.push(m.value));
}, 60_000);

afterAll(async () => {
  await router?.process.stop('SIGKILL');
  await bus?.stop();
});

describe('router start-up and presence.state', () => {
  it('routes the events waiting at start-up from the whole topic: online users in-app only, offline users pushed at once', async () => {
    const online = Array.from({ length: 1000 }, (_, i) => `on-${i}`);
    const offline = Array.from({ length: 50 }, (_, i) => `off-${i}`);
    const gone = Array.from({ length: 20 }, (_, i) => `gone-${i}`);
    await bus.publish(topics.presenceState, online.map((u, i) => ({ value: state(u, true, i) })));
    await bus.publish(topics.presenceState, offline.map((u) => ({ value: state(u, false, 5) })));
    // Offline at revision 9, then an online record of revision 3 from a presence instance that lost the race.
    await bus.publish(topics.presenceState, gone.map((u) => ({ value: state(u, false, 9) })));
    await bus.publish(topics.presenceState, gone.map((u) => ({ value: state(u, true, 3) })));
    // A record this router cannot read (a later presence's version, say) is the last of its partition.
    await bus.publishRaw(topics.presenceState, [{ key: online[0]!, value: JSON.stringify({ ...state(online[0]!, true, 2000), version: 2 }) }]);
    const users = [...online, ...offline, ...gone];
    await bus.publish(topics.notifyEvents, users.map((u) => ({ value: event(u) })));

    const started = Date.now();
    router = await startRouter(env);
    const readyMs = Date.now() - started;
    await waitFor('every event routed in-app', () => new Set(seen.inapp.map((n) => n.userId)).size === users.length, { timeoutMs: 60_000 });
    await waitFor('the pushes of the offline users', () => seen.push.length >= offline.length + gone.length, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1000)); // room for a needless push to show up

    const pushed = new Set(seen.push.map((n) => n.userId));
    expect(online.filter((u) => pushed.has(u))).toEqual([]);
    expect([...offline, ...gone].filter((u) => !pushed.has(u))).toEqual([]);
    // Online users keep their fallback (pushed only if no device acknowledges); the others' in-app copy has none.
    expect(seen.inapp.filter((n) => online.includes(n.userId) && !n.fallback)).toEqual([]);
    expect(seen.inapp.filter((n) => !online.includes(n.userId) && n.fallback)).toEqual([]);
    console.info(`router ready ${readyMs} ms after start with ${users.length + gone.length + 1} presence records and ${users.length} waiting events`);
  }, 120_000);
});
