/**
 * One service in its own process (the distributed end-to-end benchmark, the webhooks benchmark): BENCH_SERVICE (router,
 * gateway, presence, push or webhooks) on Kafka (BENCH_KAFKA_BROKERS, BENCH_TOPIC_PREFIX), with its store on the
 * MongoDB-wire server at BENCH_MONGO_URL (the real data path), or in memory when that is unset (a lab
 * figure: the pipeline's own cost without the database). Settings of the product (RETENTION_*,
 * ROUTER_*, GATEWAY_*, PUSH_*, WEBHOOK_*) pass through from the benchmark's environment.
 */
import { loadConfig, type Settings } from '@notify/config';
import { createGatewayModule, gatewaySettings, hs256Verifier } from '@notify/gateway';
import { silentLogger } from '@notify/observability';
import { createPresenceModule, presenceSettings } from '@notify/presence';
import { createPushModule, pushSettings } from '@notify/push';
import { createRouterModule, routerSettings } from '@notify/router';
import { startProcess, type ProcessConfig, type ServiceDeps, type ServiceModule } from '@notify/runtime';
import { createWebhooksModule, webhooksSettings } from '@notify/webhooks';
import { productSettingsFromEnv } from './product-env';
import { serveStoreCommands } from './store-commands';

const service = process.env.BENCH_SERVICE ?? '';
const mongoUrl = process.env.BENCH_MONGO_URL || undefined;
const jwtSecret = process.env.BENCH_JWT_SECRET ?? '';
const env = {
  // Every benchmark client connects from 127.0.0.1: no limit on connection attempts per address, nor on intake requests (unless the environment sets one).
  GATEWAY_CONNECT_RATE_PER_ADDRESS: '0',
  ROUTER_INTAKE_RATE_LIMIT: '0',
  // The benchmarks' webhook receivers are local, on plain http.
  WEBHOOK_ALLOW_HTTP: 'true',
  ...productSettingsFromEnv(),
  PORT: process.env.PORT,
  LOG_LEVEL: 'silent',
  KAFKA_BROKERS: process.env.BENCH_KAFKA_BROKERS,
  TOPIC_PREFIX: process.env.BENCH_TOPIC_PREFIX,
  // Required by the services that keep data; without BENCH_MONGO_URL it is not used (see below).
  MONGO_URL: mongoUrl ?? 'mongodb://127.0.0.1:1/unused',
  JWT_SECRET: jwtSecret,
  GATEWAY_RELAY_SECRET: 'bench-relay-secret-0123456789abcdefghij',
  // Each gateway's relay on a free port of its own, announced as http://127.0.0.1:<port>.
  GATEWAY_RELAY_PORT: '0',
  INTAKE_TOKENS: 'bench:bench-producer-secret-0123456789',
  ADMIN_TOKENS: 'ops:bench-admin-secret-0123456789abc',
};

/** Loads a service's own settings as its `main` would. */
const configOf = <S extends Settings>(settings: S) => loadConfig(settings, env);

const services: Record<string, () => { config: ProcessConfig; modules: (deps: ServiceDeps) => ServiceModule[] }> = {
  router: () => {
    const config = configOf(routerSettings);
    return { config, modules: (deps) => [createRouterModule(deps, config)] };
  },
  gateway: () => {
    const config = configOf(gatewaySettings);
    return { config, modules: (deps) => [createGatewayModule(deps, { ...config, verify: hs256Verifier(jwtSecret) })] };
  },
  presence: () => {
    const config = configOf(presenceSettings);
    return { config, modules: (deps) => [createPresenceModule(deps, config)] };
  },
  webhooks: () => {
    const config = configOf(webhooksSettings);
    return { config, modules: (deps) => [createWebhooksModule(deps, { ...config, tokens: [...config.intakeTokens, ...config.adminTokens] })] };
  },
  push: () => {
    // No provider: the benchmark's users have no devices, so nothing would be sent anyway.
    const config = configOf(pushSettings);
    const retry = { maxAttempts: config.maxAttempts, initialDelayMs: config.retryInitialMs, maxDelayMs: config.retryMaxMs };
    return { config, modules: (deps) => [createPushModule(deps, { ...config, tokens: [...config.intakeTokens, ...config.adminTokens], senders: {}, retry })] };
  },
};

const chosen = services[service];
if (!chosen) throw new Error(`BENCH_SERVICE must be one of ${Object.keys(services).join(', ')}; got "${service}"`);
const { config, modules } = chosen();
// Without a MongoDB URL the process keeps its store in memory.
const running = await startProcess({
  service,
  config: { ...config, mongoUrl },
  logger: silentLogger(),
  modules: (deps) => {
    serveStoreCommands(deps);
    return modules(deps);
  },
});
process.on('SIGTERM', () => void running.stop('bench done').then(() => process.exit(0)));
console.log('READY');
