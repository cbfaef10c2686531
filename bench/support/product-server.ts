/**
 * The whole product in one process for the end-to-end benchmark: every module on Kafka
 * (BENCH_KAFKA_BROKERS, BENCH_TOPIC_PREFIX), the store in memory so the numbers are the pipeline's
 * own, not the development database's.
 */
import { embeddedModules, withGeneratedSecrets } from '../../apps/embedded/src/embedded';
import { embeddedSettings } from '../../apps/embedded/src/config';
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import { startProcess } from '@notify/runtime';

const config = withGeneratedSecrets(
  loadConfig(embeddedSettings, {
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
