import { hostname } from 'node:os';
import { createHttpServer } from '@notify/http';
import type { Logger, Registry } from '@notify/observability';
import type { LocalConnections } from '../connections/local-connections';
import { registerRelayRoutes } from './relay-routes';

export interface RelayServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * The relay on a listener of its own, apart from the port clients use, so it can be firewalled off
 * from them: only other gateways of the deployment call it (with the shared secret).
 */
export async function startRelayServer(options: { secret: string; local: LocalConnections; metrics: Registry; logger: Logger; port: number; host: string }): Promise<RelayServer> {
  const server = createHttpServer({ logger: options.logger.child({ module: 'relay' }), metrics: options.metrics });
  registerRelayRoutes(server.app, { secret: options.secret, local: options.local, metrics: options.metrics });
  await server.listen(options.port, options.host);
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { port, close: () => server.close() };
}

const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

/** How other gateways reach a relay listening on `host:port` when GATEWAY_RELAY_URL is not set. */
export function defaultRelayUrl(host: string, port: number): string {
  const name = EVERY_INTERFACE.has(host) ? hostname() : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}
