import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyClient, memoryCursorStore, type NotifyError } from '@notify/client';
import { startGateway, userToken, waitFor, type GatewayUnderTest } from './gateway-harness';

/**
 * The caps a gateway puts on connections, through the real socket.io-client, the SDK and fetch: per
 * user (socket.io and SSE together) and per client address, with the reason the client can act on.
 */
const sockets: Socket[] = [];
afterAll(() => sockets.forEach((s) => s.close()));

/** A raw socket.io handshake: resolves connected, or with the connect_error the gateway answered. */
function handshake(url: string, token: string, extraHeaders: Record<string, string> = {}): Promise<{ connected: true; socket: Socket } | { connected: false; message: string; data: unknown }> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, extraHeaders });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.on('connect', () => resolve({ connected: true, socket }));
    socket.on('connect_error', (err: Error & { data?: unknown }) => resolve({ connected: false, message: err.message, data: err.data }));
  });
}

async function openStream(url: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  const issued = await fetch(`${url}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const { ticket } = (await issued.json()) as { ticket: string };
  return fetch(`${url}/v1/stream?ticket=${encodeURIComponent(ticket)}`, { headers });
}

const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

describe('connections per user', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGateway({ maxConnectionsPerUser: 2 });
  });
  afterAll(() => gateway?.stop());

  it('counts socket.io and SSE together, refuses one more with the reason, and frees a slot when a connection closes', async () => {
    const token = await userToken('cap-ann');
    const first = await gateway.client('cap-ann');
    const stream = await openStream(gateway.url, token);
    expect(stream.status).toBe(200);

    // A third connection: refused over socket.io with a code the SDK hands on ...
    const third = new NotifyClient({ url: gateway.url, token, transports: ['websocket'], cursorStore: memoryCursorStore(), reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    const refused = await third.connect().then(() => undefined, (err: NotifyError) => err);
    third.close();
    expect(refused).toMatchObject({ name: 'NotifyError', code: 'NOTIFY_ERR_TOO_MANY_CONNECTIONS', message: 'this user already holds 2 connections to this gateway, the most it allows; close one (another tab or device) first' });
    const raw = await handshake(gateway.url, token);
    expect(raw).toMatchObject({ connected: false, data: { code: 'NOTIFY_ERR_TOO_MANY_CONNECTIONS' } });
    // ... and over SSE with a 429.
    const thirdStream = await openStream(gateway.url, token);
    expect(thirdStream.status).toBe(429);
    expect(await errorOf(thirdStream)).toMatchObject({ code: 'NOTIFY_ERR_TOO_MANY_CONNECTIONS' });

    // Another user is not affected.
    expect(await handshake(gateway.url, await userToken('cap-ben'))).toMatchObject({ connected: true });

    // Closing the stream frees its slot; closing the socket frees another.
    await stream.body?.cancel();
    await waitFor('the stream’s slot to be free', async () => (await handshake(gateway.url, token)).connected);
    first.client.close();
    await waitFor('the socket’s slot to be free', async () => {
      const response = await openStream(gateway.url, token);
      await response.body?.cancel();
      return response.status === 200;
    });
  });
});

describe('connection attempts per address', () => {
  it('refuses attempts past the limit, over socket.io and SSE alike, saying when to come back; X-Forwarded-For is not believed by default', async () => {
    const gateway = await startGateway({ infrastructure: 'memory', connectRatePerAddress: 3, connectRateWindowMs: 60_000 });
    try {
      const token = await userToken('rate-cy');
      // Attempts count whatever they carry: a bad token uses one up too.
      expect(await handshake(gateway.url, 'not-a-token')).toMatchObject({ connected: false, message: 'unauthorized: invalid token: Invalid Compact JWS' });
      expect(await handshake(gateway.url, token)).toMatchObject({ connected: true });
      const stream = await openStream(gateway.url, token);
      expect(stream.status).toBe(200);
      await stream.body?.cancel();

      const refused = await handshake(gateway.url, token);
      expect(refused).toMatchObject({ connected: false, data: { code: 'NOTIFY_ERR_RATE_LIMITED' } });
      if (refused.connected) throw new Error('unreachable');
      expect(refused.message).toMatch(/^too many connection attempts from this address \(at most 3 per 60 s\); retry in \d+ s$/);
      expect((refused.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50_000);

      const refusedStream = await openStream(gateway.url, token, { 'x-forwarded-for': '203.0.113.9' });
      expect(refusedStream.status).toBe(429);
      expect(Number(refusedStream.headers.get('retry-after'))).toBeGreaterThan(50);
      expect(await errorOf(refusedStream)).toMatchObject({ code: 'NOTIFY_ERR_RATE_LIMITED' });
    } finally {
      await gateway.stop();
    }
  });

  it('counts each client behind a trusted proxy by the address the proxy names', async () => {
    const gateway = await startGateway({ infrastructure: 'memory', connectRatePerAddress: 1, connectRateWindowMs: 60_000, trustProxy: { addresses: ['loopback'] } });
    try {
      const token = await userToken('rate-dee');
      const fromA = { 'x-forwarded-for': '198.51.100.1' };
      const first = await openStream(gateway.url, token, fromA);
      expect(first.status).toBe(200);
      await first.body?.cancel();
      expect((await openStream(gateway.url, token, fromA)).status).toBe(429);
      expect(await handshake(gateway.url, token, fromA)).toMatchObject({ connected: false, data: { code: 'NOTIFY_ERR_RATE_LIMITED' } });
      // Another client behind the same proxy has attempts of its own.
      expect(await handshake(gateway.url, token, { 'x-forwarded-for': '198.51.100.2' })).toMatchObject({ connected: true });
      const fromC = await openStream(gateway.url, token, { 'x-forwarded-for': '198.51.100.3' });
      expect(fromC.status).toBe(200);
      await fromC.body?.cancel();
    } finally {
      await gateway.stop();
    }
  });
});
