import type { Bus } from '@notify/bus';
import type { HttpServer } from '@notify/http';
import type { Logger, Registry } from '@notify/observability';
import type { Store } from '@notify/store';

/** What every service module is built from. One process may host one module (distributed) or all (embedded). */
export interface ServiceDeps {
  bus: Bus;
  store: Store;
  http: HttpServer;
  logger: Logger;
  metrics: Registry;
  /** Unique per start of a process: which gateway holds a socket, which presence instance wrote a state. */
  instanceId: string;
  /**
   * The same across restarts of one replica (INSTANCE_NAME, or host and port): names the consumer
   * groups this process reads whole topics with, so a restart takes its group back instead of
   * leaving one behind.
   */
  instanceName: string;
}

/**
 * A service's explicit lifecycle. `start` subscribes its consumers (routes are registered when the
 * module is built, before the server listens); `stop` stops consuming and lets in-flight work finish.
 */
export interface ServiceModule {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
