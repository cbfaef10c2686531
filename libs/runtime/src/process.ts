import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createBus, type Bus } from '@notify/bus';
import { ConfigError, kafkaSecurityOf, loadConfig, type ConfigOf, type KafkaSecurityConfig, type Settings } from '@notify/config';
import { createHttpServer, type HttpServer } from '@notify/http';
import { createLogger, createMetricsRegistry, type Logger } from '@notify/observability';
import { createMemoryStore, createMongoStore, type Store } from '@notify/store';
import type { ServiceDeps, ServiceModule } from './service-module';

/** The version of the HTTP API the OpenAPI documents describe. */
const API_VERSION = '1.0.0';

/** Settings every process reads; a service adds its own. */
export interface ProcessConfig extends KafkaSecurityConfig {
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  host: string;
  port: number;
  shutdownTimeoutMs: number;
  kafkaBrokers?: string[] | undefined;
  kafkaClientId?: string | undefined;
  topicPrefix?: string | undefined;
  kafkaSessionTimeoutMs?: number | undefined;
  mongoUrl?: string | undefined;
  /** See MONGO_SOCKET_TIMEOUT_MS; the store's default when unset. */
  mongoSocketTimeoutMs?: number | undefined;
  /** Stable name of this replica (see ServiceDeps.instanceName); derived from host and port when unset. */
  instanceName?: string | undefined;
}

export interface RunningProcess {
  service: string;
  deps: ServiceDeps;
  url: string;
  stop(reason: string): Promise<void>;
}

const live = new Set<RunningProcess>();

let inMemory = 0;

/**
 * For tools that start whole processes in this one (the OpenAPI generator imports each `main`):
 * every process started while `work` runs uses the in-process bus and store and a random port on
 * 127.0.0.1, whatever its settings say, so nothing external is needed or touched.
 */
export async function startingInMemory<T>(work: () => Promise<T>): Promise<T> {
  inMemory++;
  try {
    return await work();
  } finally {
    inMemory--;
  }
}

/** The processes started in this one and not stopped: what tools that start services in-process read (the OpenAPI generator). */
export function startedProcesses(): RunningProcess[] {
  return [...live];
}

/**
 * Starts a process in a fixed order. The HTTP server listens first, so `/healthz` answers at once
 * (a restarted process is alive, not dead) while `/readyz` stays 503 until the bus is connected and
 * every module's consumers have joined their groups. Stops in reverse: readiness false, modules
 * drain, bus commits and leaves its groups, store closes, HTTP closes.
 */
export async function startProcess<C extends ProcessConfig>(options: {
  service: string;
  config: C;
  logger?: Logger;
  modules: (deps: ServiceDeps, config: C) => ServiceModule[] | Promise<ServiceModule[]>;
}): Promise<RunningProcess> {
  const { service } = options;
  const config: C = inMemory > 0 ? { ...options.config, kafkaBrokers: undefined, mongoUrl: undefined, port: 0, host: '127.0.0.1' } : options.config;
  const logger = options.logger ?? createLogger(service, config.logLevel);
  const metrics = createMetricsRegistry(service);
  const instanceId = `${service}-${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
  const instanceName = config.instanceName ?? defaultInstanceName(config.port);

  let store: Store;
  if (config.mongoUrl) {
    store = await createMongoStore({ url: config.mongoUrl, logger: logger.child({ module: 'store' }), ...(config.mongoSocketTimeoutMs ? { socketTimeoutMs: config.mongoSocketTimeoutMs } : {}) });
  } else {
    store = createMemoryStore();
    logger.warn('embedded store: data lives in memory and does not survive a restart (set MONGO_URL to use MongoDB)');
  }
  const bus: Bus = createBus({
    service,
    logger,
    metrics,
    kafkaBrokers: config.kafkaBrokers,
    kafkaClientId: config.kafkaClientId,
    topicPrefix: config.topicPrefix,
    kafkaSessionTimeoutMs: config.kafkaSessionTimeoutMs,
    kafkaSecurity: kafkaSecurityOf(config),
  });
  if (bus.kind === 'memory') logger.warn('in-process bus: messages live in memory and do not survive a restart (set KAFKA_BROKERS to use Kafka)');

  let startup: 'starting' | 'started' | Error = 'starting';
  const http: HttpServer = createHttpServer({
    logger,
    metrics,
    openapi: { title: `Notify ${service} API`, version: API_VERSION },
    checks: [
      { name: bus.kind === 'kafka' ? 'kafka' : 'bus', check: () => bus.ping() },
      { name: store.kind === 'mongo' ? 'mongo' : 'store', check: () => store.ping() },
      { name: 'consumers', check: async () => startupCheck(startup) },
    ],
  });
  const deps: ServiceDeps = { bus, store, http, logger, metrics, instanceId, instanceName };
  // The OpenAPI plugin is loaded before any module adds a route, so it describes every one of them.
  await http.app.after();
  // Routes are registered as the modules are built; fastify takes no routes once it listens.
  const modules = await options.modules(deps, config);
  const address = await http.listen(config.port, config.host);
  const started = Date.now();
  try {
    await bus.start();
    for (const module of modules) await module.start();
  } catch (err) {
    startup = err as Error;
    await http.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
  startup = 'started';
  logger.info({ address, modules: modules.map((m) => m.name), bus: bus.kind, store: store.kind, instanceId, instanceName, readyAfterMs: Date.now() - started }, `${service} started`);

  let stopping: Promise<void> | undefined;
  const stop = (reason: string) =>
    (stopping ??= (async () => {
      logger.info({ reason }, `${service} stopping`);
      http.markDraining();
      for (const module of [...modules].reverse()) await module.stop().catch((err) => logger.error({ err, module: module.name }, 'module stop failed'));
      await bus.stop().catch((err) => logger.error({ err }, 'bus stop failed'));
      await store.close().catch((err) => logger.error({ err }, 'store close failed'));
      await http.close();
      live.delete(startedProcess);
      logger.info(`${service} stopped`);
    })());
  const startedProcess: RunningProcess = { service, deps, url: address, stop };
  live.add(startedProcess);
  return startedProcess;
}

function startupCheck(startup: 'starting' | 'started' | Error): void {
  if (startup === 'starting') throw new Error('connecting to the bus and joining consumer groups');
  if (startup instanceof Error) throw new Error(`start-up failed: ${startup.message}`);
}

/**
 * This process's name among its service's replicas, the same after a restart: the host name (a
 * container's or pod's) and the port, which no two processes on one host share. A process on a
 * random port (tests) gets a name of its own instead.
 */
function defaultInstanceName(port: number): string {
  return port === 0 ? `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}` : `${hostname()}-${port}`;
}

/**
 * The `main` of a process: validates configuration (a bad setting exits 1 naming the variable),
 * starts, and turns SIGTERM/SIGINT into a graceful stop bounded by SHUTDOWN_TIMEOUT_MS.
 */
export async function runMain<S extends Settings>(options: {
  service: string;
  settings: S;
  toProcessConfig: (config: ConfigOf<S>) => ProcessConfig;
  modules: (deps: ServiceDeps, config: ConfigOf<S>) => ServiceModule[] | Promise<ServiceModule[]>;
  onStarted?: (running: RunningProcess, config: ConfigOf<S>) => void;
}): Promise<RunningProcess> {
  let config: ConfigOf<S>;
  let processConfig: ProcessConfig;
  try {
    config = loadConfig(options.settings);
    processConfig = options.toProcessConfig(config);
    kafkaSecurityOf(processConfig); // its files and combinations, checked before anything starts
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${options.service}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const running = await startProcess({ service: options.service, config: processConfig, modules: (deps) => options.modules(deps, config) });
  options.onStarted?.(running, config);
  const onSignal = (signal: NodeJS.Signals) => {
    const timer = setTimeout(() => {
      running.deps.logger.error({ signal }, `graceful stop took longer than ${processConfig.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, processConfig.shutdownTimeoutMs);
    timer.unref();
    void running.stop(signal).then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return running;
}
