import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requireMongo, uniqueName } from '@notify/testing';
import { connectMongo } from './connection';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/**
 * A TCP proxy to the database that can go silent: from then on it forwards nothing either way and
 * closes nothing, as a server that stopped answering on a socket it never closed.
 */
async function silenceableProxy(target: URL): Promise<{ url: (databaseUrl: string) => string; silence: () => void; close: () => Promise<void> }> {
  const open = new Set<Socket>();
  let silent = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => void (silent || upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (silent || client.write(chunk)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (databaseUrl) => databaseUrl.replace(/\/\/[^/]+\//, `//127.0.0.1:${port}/`),
    silence: () => void (silent = true),
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('an operation on a socket the server stopped answering', () => {
  it('fails after the socket timeout instead of waiting forever, so its caller can retry', async () => {
    const url = await requireMongo(uniqueName('socket-timeout'));
    const proxy = await silenceableProxy(new URL(url.replace(/^mongodb:/, 'tcp:')));
    cleanups.push(() => proxy.close());
    const connection = await connectMongo({ url: proxy.url(url), socketTimeoutMs: 1500 });
    cleanups.push(() => connection.close(true));
    const probes = connection.collection('probes');
    await probes.insertOne({ at: new Date() });

    proxy.silence();
    const started = Date.now();
    const outcome = await Promise.race([
      probes.insertOne({ at: new Date() }).then(
        () => 'written',
        (err: Error) => `failed: ${err.name}`,
      ),
      new Promise<string>((resolve) => setTimeout(resolve, 10_000, 'still waiting after 10 s')),
    ]);
    expect(outcome).toMatch(/^failed: Mongo.*(Timeout|Network)/);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 30_000);
});
