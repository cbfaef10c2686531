import { get as httpGet, type IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notification, seqs, startGateway, userToken, waitFor, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
/**
 * What is tested lies between the gateway and one socket: the flood has to outrun a stalled TCP
 * connection (megabytes, past the kernel's buffers). The in-process store feeds it in well under a
 * second; the MongoDB-wire server used in tests takes about 60 ms per insert, too slow to build the
 * pressure, so this suite runs on the in-process bus and store.
 */
beforeAll(async () => {
  gateway = await startGateway({ infrastructure: 'memory', maxBufferedPackets: 50, maxBufferedBytes: 256 * 1024 });
});
afterAll(() => gateway.stop());

/** Big enough that a few hundred fill the kernel's socket buffers on both sides of a loopback connection. */
const bulky = (userId: string) => notification(userId, { content: { body: 'x'.repeat(4000), data: { blob: 'y'.repeat(20_000) } } });
const slowClients = async () => /notify_gateway_slow_clients_total\{[^}]*\} (\d+)/.exec(await gateway.running.deps.metrics.metrics())?.[1];

describe('backpressure', () => {
  it('disconnects a socket.io client that stops reading instead of buffering for it, and the client then catches up from its cursor', async () => {
    const stalled = await gateway.client('stalled');
    const healthy = await gateway.client('healthy');
    await gateway.deliver(notification('stalled'));
    await waitFor('first notification', () => stalled.received.length === 1);
    // The client process stops reading its TCP socket: what the server writes piles up.
    const engine = (stalled.client as unknown as { socket: { io: { engine: { transport: { ws: { _socket: NetSocket } } } } } }).socket.io.engine;
    const tcp = engine.transport.ws._socket;
    tcp.pause();
    const disconnected = new Promise<string>((resolve) => stalled.client.on('disconnected', resolve));
    const flood = Array.from({ length: 600 }, () => bulky('stalled'));
    for (let i = 0; i < flood.length; i += 10) await gateway.deliver(...flood.slice(i, i + 10));
    await gateway.deliver(notification('healthy'));
    await waitFor('the healthy client to be served meanwhile', () => healthy.received.length === 1);
    await waitFor('the stalled client to be let go', async () => (await slowClients()) === '1', { timeoutMs: 15_000 });
    tcp.resume();
    expect(await disconnected).toBe('transport close');
    await waitFor('the reconnected client to catch up on all 601', () => stalled.received.length === 601, { timeoutMs: 20_000 });
    expect(seqs(stalled.received)).toEqual(Array.from({ length: 601 }, (_, i) => i + 1));
  });

  it('closes an SSE stream whose reader stalls once its unsent bytes pass the limit', async () => {
    const token = await userToken('sse-stalled');
    const response = await new Promise<IncomingMessage>((resolve) => httpGet(`${gateway.url}/v1/stream`, { headers: { authorization: `Bearer ${token}` } }, resolve));
    expect(response.statusCode).toBe(200);
    response.pause();
    const closed = new Promise<void>((resolve) => response.socket.once('close', () => resolve()));
    const before = Number((await slowClients()) ?? 0);
    for (let i = 0; i < 600; i += 10) await gateway.deliver(...Array.from({ length: 10 }, () => bulky('sse-stalled')));
    await waitFor('the stream to be closed', async () => Number(await slowClients()) === before + 1, { timeoutMs: 15_000 });
    response.resume();
    await closed;
  });
});
