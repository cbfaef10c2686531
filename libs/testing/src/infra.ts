import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Socket } from 'node:net';

/**
 * Where the real servers are. Tests read these; `npm run infra:up` starts servers at exactly these defaults.
 * A missing server is a test failure with instructions, never a skip.
 */
export function testKafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
}

export function testMongoUrl(database: string): string {
  const url = new URL(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  url.pathname = `/${database}`;
  return url.toString();
}

/** A name no other test (or earlier run) uses: per-test topics, groups and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

function hostPort(address: string, defaultPort: number): [string, number] {
  const match = /^(?:[a-z]+:\/\/)?([^/:]+)(?::(\d+))?/.exec(address);
  return [match?.[1] ?? '127.0.0.1', Number(match?.[2] ?? defaultPort)];
}

/** Fails the calling test with a clear message when Kafka is not listening. */
export async function requireKafka(): Promise<string[]> {
  const brokers = testKafkaBrokers();
  const [host, port] = hostPort(brokers[0]!, 9092);
  if (!(await tcpReachable(host, port, 2000))) {
    throw new Error(`Kafka is not reachable at ${brokers.join(',')}: start it with \`npm run infra:up\` (or set KAFKA_BROKERS).`);
  }
  return brokers;
}

/** Fails the calling test with a clear message when the MongoDB-wire server is not listening. */
export async function requireMongo(database: string): Promise<string> {
  const url = testMongoUrl(database);
  const [host, port] = hostPort(url.replace(/^mongodb:\/\//, ''), 27017);
  if (!(await tcpReachable(host, port, 2000))) {
    throw new Error(`MongoDB is not reachable at ${url}: start it with \`npm run infra:up\` (or set MONGO_URL).`);
  }
  return url;
}

/** The secured listener of the local broker (TLS with SASL), as `infra:up` describes it. */
export interface SecureKafka {
  brokers: string[];
  caFile: string;
  username: string;
  password: string;
}

/**
 * Fails the calling test with a clear message when the broker's TLS + SASL listener is not there.
 * Its address and credentials come from the file `infra:up` writes (KAFKA_SECURE_CLIENT_ENV names
 * another one).
 */
export async function requireSecureKafka(): Promise<SecureKafka> {
  const file = process.env.KAFKA_SECURE_CLIENT_ENV ?? fileURLToPath(new URL('../../../.data/kafka/secure-client.env', import.meta.url));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`Kafka's secured listener is not set up (${file} is missing): run \`npm run infra:down && npm run infra:up\`.`);
  }
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1] ?? '';
  const brokers = value('KAFKA_SECURE_BROKERS').split(',').filter(Boolean);
  const [host, port] = hostPort(brokers[0] ?? '', 9094);
  if (!(await tcpReachable(host, port, 2000))) {
    throw new Error(`Kafka's secured listener is not reachable at ${brokers.join(',')}: run \`npm run infra:down && npm run infra:up\`.`);
  }
  return { brokers, caFile: value('KAFKA_SSL_CA_FILE'), username: value('KAFKA_SASL_USERNAME'), password: value('KAFKA_SASL_PASSWORD') };
}
