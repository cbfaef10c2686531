import { fileURLToPath } from 'node:url';
import { freePort, requireKafka, requireMongo, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';

/** Tokens the router processes under test accept. */
export const producerHeaders = { 'content-type': 'application/json', authorization: 'Bearer producer-secret-0123456789' };
export const adminHeaders = { 'content-type': 'application/json', authorization: 'Bearer admin-secret-0123456789abcd' };
/** Another team's token, written the old way: it sends events and reads the history of its own. */
export const otherTeamHeaders = { 'content-type': 'application/json', authorization: 'Bearer billing-secret-0123456789ab' };

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Settings for router processes on the real Kafka and MongoDB-wire server, with a topic prefix and database of their own. */
export async function routerEnv(name: string): Promise<Record<string, string>> {
  return {
    KAFKA_BROKERS: (await requireKafka()).join(','),
    MONGO_URL: await requireMongo(uniqueName(name)),
    TOPIC_PREFIX: uniqueName(name),
    INTAKE_TOKENS: 'shop:producer-secret-0123456789:events:write+events:read+preferences:read+preferences:write+topics:read+topics:write,billing:billing-secret-0123456789ab',
    ADMIN_TOKENS: 'ops:admin-secret-0123456789abcd',
    LOG_LEVEL: 'warn',
  };
}

/** Starts `src/main.ts` as its own process and waits until /readyz says ready. */
export async function startRouter(env: Record<string, string>, port?: number): Promise<{ base: string; process: ServiceProcess }> {
  port ??= await freePort();
  const process = startServiceProcess(entry, { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`router on port ${port} to be ready`, async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, intervalMs: 100 });
  return { base, process };
}
