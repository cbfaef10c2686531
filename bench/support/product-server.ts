/**
 * The whole product in one process for the end-to-end benchmark: every module on Kafka
 * (BENCH_KAFKA_BROKERS, BENCH_TOPIC_PREFIX), the store on the MongoDB-wire server at BENCH_MONGO_URL,
 * or in memory when that is unset (a lab figure: the pipeline's own cost without the database).
 * Settings of the product (RETENTION_*, ROUTER_*, GATEWAY_*, PUSH_*) pass through.
 */
import { embeddedModules, withGeneratedSecrets } from '../../apps/embedded/src/embedded';
import { embeddedSettings } from '../../apps/embedded/src/config';
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import { startProcess } from '@notify/runtime';
import { productSettingsFromEnv } from './product-env';

const config = withGeneratedSecrets(
  loadConfig(embeddedSettings, {
    ...productSettingsFromEnv(),
    MONGO_URL: process.env.BENCH_MONGO_URL || undefined,
    PORT: process.env.PORT,
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: process.env.BENCH_KAFKA_BROKERS,
    TOPIC_PREFIX: process.env.BENCH_TOPIC_PREFIX,
    JWT_SECRET: process.env.BENCH_JWT_SECRET,
    INTAKE_TOKENS: 'bench:bench-producer-secret-0123456789',
    ADMIN_TOKENS: 'ops:bench-admin-secret-0123456789abc',
  }),
);
const running = await startProcess({ service: 'embedded', config, logger: silentLogger(), modules: embeddedModules });
process.on('SIGTERM', () => void running.stop('bench done').then(() => process.exit(0)));
console.log('READY');
