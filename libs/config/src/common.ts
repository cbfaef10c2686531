import { z } from 'zod';
import { ENV_FILE } from './env-file';
import { kafkaSecuritySettings } from './kafka-security';
import { setting } from './setting';
import { env } from './types';

/** Settings every service shares; each service spreads these into its own settings object. */
export const commonSettings = {
  logLevel: setting('LOG_LEVEL', env.logLevel(), 'pino log level: fatal, error, warn, info, debug, trace or silent'),
  host: setting('HOST', env.string('127.0.0.1'), 'Interface the HTTP server listens on (0.0.0.0 in containers)'),
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', env.int(15_000, 100), 'How long a graceful shutdown may take before the process exits anyway'),
  envFile: setting(
    ENV_FILE,
    env.optionalString(),
    'File of KEY=value settings read at start-up; a variable set in the environment wins over it. A relative path is taken from the workspace root. Default: .env at the workspace root when there is one (cp .env.example .env); /dev/null reads none',
  ),
};

/** Real infrastructure, required when a service runs on its own. */
export const infrastructureSettings = {
  kafkaBrokers: setting('KAFKA_BROKERS', env.list(), 'Comma-separated Kafka bootstrap servers, e.g. 127.0.0.1:9092'),
  kafkaClientId: setting('KAFKA_CLIENT_ID', env.optionalString(), 'Kafka client id (defaults to the service name)'),
  ...kafkaSecuritySettings,
  kafkaSessionTimeoutMs: setting(
    'KAFKA_SESSION_TIMEOUT_MS',
    env.int(10_000, 6000),
    'How long Kafka waits for a silent consumer (a crashed process) before giving its partitions to the others, and so about how long a replica restarted after a crash waits to be ready; heartbeats go every tenth of it',
  ),
  instanceName: setting(
    'INSTANCE_NAME',
    z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'up to 64 letters, digits, ".", "_" and "-"').optional(),
    'This replica’s name, kept across restarts (a StatefulSet pod name, say): it names the consumer groups the process reads whole topics with. Default: host name and PORT. Two running processes must never share one',
  ),
  topicPrefix: setting('TOPIC_PREFIX', z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only').default(''), 'Prefix for every topic name, to share one cluster between environments'),
  mongoUrl: setting('MONGO_URL', env.mongoUrl(), 'MongoDB connection string, e.g. mongodb://127.0.0.1:27017/notify'),
  mongoSocketTimeoutMs: setting('MONGO_SOCKET_TIMEOUT_MS', env.int(60_000, 1000), 'How long a database operation waits for an answer on its socket before it fails and is retried (a socket the server stopped answering without closing would hold it for good); longer than the slowest index build at start-up'),
};
