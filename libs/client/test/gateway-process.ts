import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { encode, topics, type Notification } from '@notify/contracts';
import { connectMongo } from '@notify/store';
import { freePort, startServiceOnInfra } from '@notify/testing';

export const jwtSecret = 'client-sdk-test-secret-0123456789abcdef';
/** The gateway's entry point, run as its own process (as `nx serve gateway` would), never imported. */
const entry = fileURLToPath(new URL('../../../services/gateway/src/main.ts', import.meta.url));

/** A user's JWT as the product's sign-in would issue it (HS256, the gateway's JWT_SECRET). */
export function userToken(userId: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(new TextEncoder().encode(jwtSecret));
}

export interface GatewayUnderTest {
  url: string;
  /** Writes a notification to <prefix>.deliver.inapp, as the router would. */
  deliver(userId: string, title: string): Promise<Notification>;
  stop(): Promise<void>;
}

/** A gateway process on the real Kafka and MongoDB-wire server, with a topic prefix and database of its own. */
export async function startGateway(extraEnv: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const gateway = await startServiceOnInfra({
    name: 'client-sdk',
    entry,
    env: {
      JWT_SECRET: jwtSecret,
      GATEWAY_RELAY_SECRET: 'client-sdk-relay-secret-0123456789abcdef',
      GATEWAY_RELAY_PORT: String(await freePort()),
      GATEWAY_CONNECT_RATE_PER_ADDRESS: '0',
      ...extraEnv,
    },
  });
  const { url, brokers, mongoUrl, topicPrefix: prefix } = gateway;
  const kafka = new Kafka({ clientId: 'client-sdk-test', brokers, logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  let counter = 0;
  return {
    url,
    deliver: async (userId, title) => {
      if (!producer) {
        producer = kafka.producer();
        await producer.connect();
      }
      const n = ++counter;
      const notification: Notification = {
        version: 1,
        notificationId: `n${n}:${userId}`,
        eventId: `n${n}`,
        userId,
        type: 'chat.message',
        priority: 'transactional',
        content: { title, data: { n } },
        createdAt: new Date().toISOString(),
      };
      const spec = topics.deliverInapp;
      await producer.send({ topic: `${prefix}.${spec.name}`, messages: [{ key: spec.keyOf(notification), value: encode(spec, notification) }] });
      return notification;
    },
    stop: async () => {
      await producer?.disconnect();
      await gateway.process.stop();
      const connection = await connectMongo({ url: mongoUrl, attempts: 1 });
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
