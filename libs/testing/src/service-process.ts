import { spawn, type ChildProcess } from 'node:child_process';
import { requireKafka, requireMongo, uniqueName } from './infra';
import { waitFor } from './wait';

export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a service's entry point as its own process: its TypeScript source through tsx, as `nx serve`
 * would, or its compiled build (`dist/main.js`) with plain node, as production does.
 */
export function startServiceProcess(entry: string, env: Record<string, string>): ServiceProcess {
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const child = spawn(process.execPath, args, { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A free TCP port on loopback, for a service under test. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceOnInfra {
  /** http://127.0.0.1:<port> */
  url: string;
  brokers: string[];
  mongoUrl: string;
  topicPrefix: string;
  process: ServiceProcess;
}

/**
 * A service's entry point run as its own process on the real Kafka and MongoDB-wire server, with a
 * topic prefix and a database of its own, once its /readyz answers 200. Fails at once, with the
 * process's output, if it exits first.
 */
export async function startServiceOnInfra(options: { name: string; entry: string; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<ServiceOnInfra> {
  const brokers = await requireKafka();
  const mongoUrl = await requireMongo(uniqueName(options.name));
  const topicPrefix = uniqueName(options.name);
  const port = await freePort();
  const service = startServiceProcess(options.entry, { KAFKA_BROKERS: brokers.join(','), MONGO_URL: mongoUrl, TOPIC_PREFIX: topicPrefix, LOG_LEVEL: 'warn', PORT: String(port), ...options.env });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `${options.name} on port ${port} to be ready`,
    async () => {
      if (service.child.exitCode !== null) throw new Error(`${options.name} exited: ${service.output()}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: options.readyTimeoutMs ?? 45_000, intervalMs: 100 },
  );
  return { url, brokers, mongoUrl, topicPrefix, process: service };
}
