/**
 * One webhooks process for the webhooks benchmark: Kafka for `delivery.status` (BENCH_KAFKA_BROKERS,
 * BENCH_TOPIC_PREFIX), its store on the MongoDB-wire server at BENCH_MONGO_URL (in memory when unset:
 * a lab figure). WEBHOOK_* settings pass through from the benchmark's environment; plain http is
 * allowed, the receiver is local. Counts the store operations it asks for at /bench/store-commands.
 */
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import { startProcess } from '@notify/runtime';
import type { MongoStore } from '@notify/store';
import { createWebhooksModule, webhooksSettings } from '@notify/webhooks';
import { productSettingsFromEnv } from './product-env';

const mongoUrl = process.env.BENCH_MONGO_URL || undefined;
const config = loadConfig(webhooksSettings, {
  WEBHOOK_ALLOW_HTTP: 'true',
  ...productSettingsFromEnv(),
  PORT: process.env.PORT,
  LOG_LEVEL: 'silent',
  KAFKA_BROKERS: process.env.BENCH_KAFKA_BROKERS,
  TOPIC_PREFIX: process.env.BENCH_TOPIC_PREFIX,
  MONGO_URL: mongoUrl ?? 'mongodb://127.0.0.1:1/unused',
  INTAKE_TOKENS: 'bench:bench-producer-secret-0123456789',
  ADMIN_TOKENS: process.env.BENCH_ADMIN_TOKENS,
});
const running = await startProcess({
  service: 'webhooks',
  config: { ...config, mongoUrl },
  logger: silentLogger(),
  modules: (deps) => {
    const storeCommands: Record<string, number> = {};
    if (deps.store.kind === 'mongo') {
      // mongoose's debug hook sees every collection method the repositories call.
      (deps.store as MongoStore).connection.set('debug', (_collection: string, method: string) => void (storeCommands[method] = (storeCommands[method] ?? 0) + 1));
    }
    deps.http.app.get('/bench/store-commands', async () => storeCommands);
    return [createWebhooksModule(deps, { ...config, tokens: [...config.intakeTokens, ...config.adminTokens] })];
  },
});
process.on('SIGTERM', () => void running.stop('bench done').then(() => process.exit(0)));
console.log('READY');
