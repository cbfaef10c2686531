import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectMongo } from '@notify/store';
import { freePort, startServiceOnInfra } from '@notify/testing';
import { jwtSecret } from './gateway-process';

/** The push service's entry point, run as its own process (as `nx serve push` would), never imported. */
const entry = fileURLToPath(new URL('../../../services/push/src/main.ts', import.meta.url));

export interface PushUnderTest {
  url: string;
  stop(): Promise<void>;
}

/**
 * A push service process on the real Kafka and MongoDB-wire server (topic prefix and database of its
 * own), checking users' JWTs with the gateway's secret. APNs is configured with a key of its own and
 * an address nothing answers on: iOS devices can be registered; nothing here is pushed.
 */
export async function startPush(): Promise<PushUnderTest> {
  const apnsKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const push = await startServiceOnInfra({
    name: 'client-push',
    entry,
    env: {
      JWT_SECRET: jwtSecret,
      INTAKE_TOKENS: 'backend:client-push-backend-secret-0123456789',
      ADMIN_TOKENS: 'ops:client-push-admin-secret-0123456789',
      APNS_KEY: apnsKey,
      APNS_KEY_ID: 'KEYID12345',
      APNS_TEAM_ID: 'TEAMID1234',
      APNS_ADDRESS: '127.0.0.1',
      APNS_PORT: String(await freePort()),
    },
  });
  const { url, mongoUrl } = push;
  return {
    url,
    stop: async () => {
      await push.process.stop();
      const connection = await connectMongo({ url: mongoUrl, attempts: 1 });
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
