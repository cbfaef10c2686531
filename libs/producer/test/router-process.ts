import { fileURLToPath } from 'node:url';
import { connectMongo } from '@notify/store';
import { startServiceOnInfra } from '@notify/testing';

export const producerToken = 'producer-secret-0123456789';
export const adminToken = 'admin-secret-0123456789abcd';

/** The router's entry point, run as its own process (as `nx serve router` would), never imported. */
const entry = fileURLToPath(new URL('../../../services/router/src/main.ts', import.meta.url));

export interface RouterUnderTest {
  base: string;
  brokers: string[];
  topicPrefix: string;
  /** GET /v1/events/:id/history with the admin token: what the router did with the event. */
  history(eventId: string): Promise<Array<{ status: string; userId?: string; lane?: string }>>;
  stop(): Promise<void>;
}

/** A router process on the real Kafka and MongoDB-wire server, with a topic prefix and database of its own. */
export async function startRouter(extraEnv: Record<string, string> = {}): Promise<RouterUnderTest> {
  const router = await startServiceOnInfra({
    name: 'producer',
    entry,
    env: { INTAKE_TOKENS: `shop:${producerToken}:events:write+events:read`, ADMIN_TOKENS: `ops:${adminToken}`, ...extraEnv },
  });
  const { url: base, brokers, topicPrefix, mongoUrl } = router;
  return {
    base,
    brokers,
    topicPrefix,
    history: async (eventId) => {
      const response = await fetch(`${base}/v1/events/${encodeURIComponent(eventId)}/history`, { headers: { authorization: `Bearer ${adminToken}` } });
      if (response.status === 404) return [];
      return ((await response.json()) as { history: Array<{ status: string }> }).history;
    },
    stop: async () => {
      await router.process.stop();
      const connection = await connectMongo({ url: mongoUrl, attempts: 1 });
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
