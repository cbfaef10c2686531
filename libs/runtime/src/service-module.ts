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
  /** Unique per process: which gateway holds a socket, which router wrote a decision. */
  instanceId: string;
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
