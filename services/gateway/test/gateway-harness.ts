import { SignJWT } from 'jose';
import { NotifyClient, memoryCursorStore, type NotifyClientOptions } from '@notify/client';
import { topics, type ClientNotification, type DeliveryStatus, type Notification } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { startProcess, type RunningProcess } from '@notify/runtime';
import { connectMongo } from '@notify/store';
import { freePort, requireKafka, requireMongo, uniqueName, waitFor } from '@notify/testing';
import { hs256Verifier, type TokenVerifier } from '../src/auth/verify-token';
import { createGatewayModule, type GatewayOptions } from '../src/gateway-module';

export const jwtSecret = 'gateway-test-secret-0123456789abcdef';
export const relaySecret = 'gateway-relay-secret-0123456789abcdef';

export function userToken(userId: string, secret = jwtSecret): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
}

/**
 * A gateway in this process, with everything the tests observe. By default on the real Kafka and
 * MongoDB-wire server (a topic prefix and database of its own); `infrastructure: 'memory'` uses the
 * in-process bus and store, for tests about sockets alone.
 */
export interface GatewayUnderTest {
  url: string;
  running: RunningProcess;
  statuses: DeliveryStatus[];
  pushes: Notification[];
  deliver(...notifications: Notification[]): Promise<void>;
  client(userId: string, options?: Partial<NotifyClientOptions>): Promise<TestClient>;
  stop(): Promise<void>;
}

export interface TestClient {
  client: NotifyClient;
  received: ClientNotification[];
  unread: number[];
  states: Array<{ notificationId: string; state: string }>;
}

export async function startGateway({ infrastructure = 'real', ...overrides }: Partial<GatewayOptions> & { verify?: TokenVerifier; infrastructure?: 'real' | 'memory' } = {}): Promise<GatewayUnderTest> {
  const port = await freePort();
  const name = uniqueName('gateway');
  const real: { kafkaBrokers?: string[]; mongoUrl?: string; topicPrefix?: string } = infrastructure === 'real' ? { kafkaBrokers: await requireKafka(), mongoUrl: await requireMongo(name), topicPrefix: name } : {};
  const running = await startProcess({
    service: 'gateway',
    config: { logLevel: 'silent', host: '127.0.0.1', port, shutdownTimeoutMs: 10_000, ...real },
    logger: silentLogger(),
    modules: (deps) => [
      createGatewayModule(deps, {
        verify: hs256Verifier(jwtSecret),
        relaySecret,
        relayPort: 0,
        relayHost: '127.0.0.1',
        port,
        pingIntervalMs: 5000,
        pingTimeoutMs: 5000,
        heartbeatMs: 5000,
        maxBufferedPackets: 1000,
        maxBufferedBytes: 1024 * 1024,
        resyncAfterMs: 0,
        stallTimeoutMs: 1000,
        drainWindowMs: 0,
        ...overrides,
      }),
    ],
  });
  const statuses: DeliveryStatus[] = [];
  const pushes: Notification[] = [];
  await running.deps.bus.subscribe(topics.deliveryStatus, { groupId: 'test-statuses' }, async (m) => void statuses.push(m.value));
  await running.deps.bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushes.push(m.value));
  const clients: NotifyClient[] = [];
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    running,
    statuses,
    pushes,
    deliver: (...notifications) => running.deps.bus.publish(topics.deliverInapp, notifications.map((value) => ({ value }))),
    client: async (userId, options = {}) => {
      const client = new NotifyClient({ url, token: await userToken(userId), transports: ['websocket'], cursorStore: memoryCursorStore(), reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...options });
      clients.push(client);
      const test: TestClient = { client, received: [], unread: [], states: [] };
      client.on('notification', (n) => test.received.push(n));
      client.on('unread', (count) => test.unread.push(count));
      client.on('state', (s) => test.states.push(s));
      await client.connect();
      return test;
    },
    stop: async () => {
      for (const c of clients) c.close();
      await running.stop('test done');
      if (real.mongoUrl) {
        // Each gateway under test has a database of its own: gone with it, so runs do not pile up.
        const connection = await connectMongo({ url: real.mongoUrl, attempts: 1 });
        await connection.dropDatabase();
        await connection.close();
      }
    },
  };
}

let counter = 0;
/** A deliver.inapp notification for `userId`. */
export function notification(userId: string, extra: Partial<Notification> = {}): Notification {
  const n = ++counter;
  return {
    version: 1,
    notificationId: `n${n}:${userId}`,
    eventId: `n${n}`,
    userId,
    type: 'chat.message',
    priority: 'transactional',
    content: { title: `message ${n}`, data: { n } },
    createdAt: new Date().toISOString(),
    ...extra,
  };
}

export const seqs = (received: ClientNotification[]) => received.map((n) => n.seq);
/**
 * Each seq's place counted from the first one received: [1, 2, 3, …] when they follow one another
 * without gap or duplicate (on MongoDB a user's numbers start from the clock, not from 1).
 */
export const places = (received: ClientNotification[]) => received.map((n) => n.seq - received[0]!.seq + 1);
export { waitFor };
