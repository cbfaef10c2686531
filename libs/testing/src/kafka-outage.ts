import { createServer, type Server, type Socket } from 'node:net';
import { relayConnection } from './tcp-relay';

/**
 * The local broker's PROXIED listener (see infra/local/kafka): the broker listens on
 * KAFKA_PROXIED_PORT and tells clients to come back through KAFKA_PROXY_PORT, where this proxy
 * listens. Every connection of a client bootstrapped here passes through it, so cutting it is a
 * broker outage for that client alone, while the rest of the suite keeps its broker.
 */
export interface KafkaOutageProxy {
  /** Bootstrap servers for the client that is to lose its broker. */
  brokers: string[];
  /** Drops every open connection; new ones are accepted and then never answered, as behind a dead network path. */
  cut(): void;
  /** Forwards again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts the proxy (one per machine at a time: the port is the one the broker advertises). */
export async function startKafkaOutageProxy(): Promise<KafkaOutageProxy> {
  const proxyPort = Number(process.env.KAFKA_PROXY_PORT ?? 9095);
  const target = new URL(`tcp://127.0.0.1:${process.env.KAFKA_PROXIED_PORT ?? 9096}`);
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (!cut) {
      relayConnection(client, target, open);
      return;
    }
    // Held open and never read: the client waits for its own timeouts, as it would for a dead host.
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`127.0.0.1:${proxyPort} is taken: another test holds the Kafka outage proxy, or KAFKA_PROXY_PORT is wrong`) : err),
    );
    server.listen(proxyPort, '127.0.0.1', () => resolve());
  });
  const dropAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    brokers: [`127.0.0.1:${proxyPort}`],
    cut: () => {
      cut = true;
      dropAll();
    },
    restore: () => {
      cut = false;
      dropAll();
    },
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
