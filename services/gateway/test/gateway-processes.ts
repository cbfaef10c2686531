import { fileURLToPath } from 'node:url';
import { createBus, type Bus } from '@notify/bus';
import { NotifyClient, memoryCursorStore } from '@notify/client';
import { topics, type ClientNotification, type Notification, type PresenceState } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, requireKafka, requireMongo, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';
import { jwtSecret, relaySecret, userToken } from './gateway-harness';

const gatewayEntry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const presenceEntry = fileURLToPath(new URL('../../presence/src/main.ts', import.meta.url));
export const presenceToken = 'presence-reader-secret-0123456789';

/** A deployment of its own on the real Kafka and MongoDB-wire server: topic prefix, database, and a bus for the test's side. */
export async function deployment(name: string) {
  const prefix = uniqueName(name);
  const env = {
    KAFKA_BROKERS: (await requireKafka()).join(','),
    MONGO_URL: await requireMongo(prefix),
    TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
    // Every client of these tests connects from 127.0.0.1: no limit on attempts per address.
    GATEWAY_CONNECT_RATE_PER_ADDRESS: '0',
  };
  const bus: Bus = createBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), kafkaBrokers: env.KAFKA_BROKERS.split(','), topicPrefix: prefix, kafkaSessionTimeoutMs: 6000 });
  await bus.start();
  return { env, bus, prefix };
}

export interface ServiceUnderTest {
  base: string;
  process: ServiceProcess;
}

async function startAndWait(entry: string, env: Record<string, string>, port: number, what: string): Promise<ServiceUnderTest> {
  const process = startServiceProcess(entry, { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  // A gateway reading 200,000 presence records takes about 12 s alone; with other suites on the same two cores, over 40 s once.
  await waitFor(`${what} on port ${port} to be ready`, async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 90_000, intervalMs: 100 });
  return { base, process };
}

/** A gateway process; `relay` is its relay listener, on a port of its own. */
export async function startGatewayProcess(env: Record<string, string>, extra: Record<string, string> = {}): Promise<ServiceUnderTest & { relay: string }> {
  const port = await freePort();
  const relayPort = await freePort();
  const started = await startAndWait(
    gatewayEntry,
    { ...env, JWT_SECRET: jwtSecret, GATEWAY_RELAY_SECRET: relaySecret, GATEWAY_RELAY_PORT: String(relayPort), GATEWAY_HEARTBEAT_MS: '1000', GATEWAY_RESYNC_AFTER_MS: '1500', ...extra },
    port,
    'gateway',
  );
  return { ...started, relay: `http://127.0.0.1:${relayPort}` };
}

export async function startPresenceProcess(env: Record<string, string>, extra: Record<string, string> = {}): Promise<ServiceUnderTest> {
  const port = await freePort();
  return startAndWait(presenceEntry, { ...env, GATEWAY_RELAY_SECRET: relaySecret, INTAKE_TOKENS: `test:${presenceToken}:presence:read`, ADMIN_TOKENS: 'ops:presence-admin-secret-012345678', PRESENCE_GATEWAY_TTL_MS: '3000', PRESENCE_SWEEP_INTERVAL_MS: '250', ...extra }, port, 'presence');
}

export async function presenceOf(presence: ServiceUnderTest, userId: string): Promise<PresenceState> {
  const response = await fetch(`${presence.base}/v1/presence/${userId}`, { headers: { authorization: `Bearer ${presenceToken}` } });
  return (await response.json()) as PresenceState;
}

export interface Device {
  userId: string;
  client: NotifyClient;
  received: ClientNotification[];
  states: Array<{ notificationId: string; state: string }>;
  disconnectedAt: number[];
}

export async function device(url: string, userId: string, name: string): Promise<Device> {
  const client = new NotifyClient({ url, token: await userToken(userId), device: name, transports: ['websocket'], cursorStore: memoryCursorStore(), reconnect: { initialDelayMs: 100, maxDelayMs: 2000 } });
  const d: Device = { userId, client, received: [], states: [], disconnectedAt: [] };
  client.on('notification', (n) => d.received.push(n));
  client.on('state', (s) => d.states.push(s));
  client.on('disconnected', () => d.disconnectedAt.push(Date.now()));
  await client.connect();
  return d;
}

let counter = 0;
export function inapp(userId: string): Notification {
  const n = ++counter;
  return { version: 1, notificationId: `m${n}:${userId}`, eventId: `m${n}`, userId, type: 'chat.message', priority: 'transactional', content: { title: `message ${n}`, data: {} }, createdAt: new Date().toISOString() };
}

export async function metricValue(base: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

export { topics };
