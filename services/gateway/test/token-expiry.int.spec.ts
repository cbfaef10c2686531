import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@notify/testing';
import { jwtSecret, notification, startGateway, type GatewayUnderTest } from './gateway-harness';

/** A token for `userId` that expires `seconds` from now. */
const expiringToken = (userId: string, seconds: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(jwtSecret));

let gateway: GatewayUnderTest;
beforeAll(async () => {
  // The socket's auth lifecycle is the gateway's own: the in-process bus and store are enough.
  gateway = await startGateway({ infrastructure: 'memory' });
});
afterAll(() => gateway?.stop());

describe('a socket whose token expires', () => {
  it('is told and closed when the token expires', async () => {
    const socket: Socket = io(gateway.url, { auth: { token: await expiringToken('erin', 2) }, transports: ['websocket'], reconnection: false });
    const told: string[] = [];
    let closedBy = '';
    socket.on('session_expired', (notice: { reason: string }) => told.push(notice.reason));
    socket.on('disconnect', (reason) => (closedBy = reason));
    await waitFor('connected', () => socket.connected, { timeoutMs: 5000 });
    const connectedAt = Date.now();
    await waitFor('closed by the gateway', () => closedBy !== '', { timeoutMs: 8000 });
    expect(told).toEqual(['token expired: reconnect with a fresh token']);
    expect(closedBy).toBe('io server disconnect');
    expect(Date.now() - connectedAt).toBeLessThan(4000);
    socket.close();
  }, 15_000);

  it('ends an SSE stream opened with a ticket when the token the ticket was issued for expires', async () => {
    const started = Date.now();
    const issued = await fetch(`${gateway.url}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${await expiringToken('erin', 2)}` } });
    const { ticket } = (await issued.json()) as { ticket: string };
    const response = await fetch(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(ticket)}`);
    expect(response.status).toBe(200);
    const body = await response.text(); // resolves once the gateway ends the stream
    expect(body).toContain('event: expired\ndata: {"reason":"token expired: reconnect with a fresh token"}');
    expect(Date.now() - started).toBeLessThan(4000);
  }, 15_000);

  it('is refused at the handshake without an expiry', async () => {
    const neverExpires = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('erin').sign(new TextEncoder().encode(jwtSecret));
    const socket: Socket = io(gateway.url, { auth: { token: neverExpires }, transports: ['websocket'], reconnection: false });
    const refusal = await new Promise<string>((resolve) => socket.on('connect_error', (err) => resolve(err.message)));
    expect(refusal).toBe('unauthorized: token has no expiry (exp): the gateway accepts only tokens that expire');
    socket.close();
  });

  it('goes on with a fresh token: the SDK reconnects with what its token function returns, and misses nothing', async () => {
    let issued = 0;
    const client = await gateway.client('frank', { token: () => expiringToken('frank', ++issued === 1 ? 2 : 3600) });
    await waitFor('the first token expired and a second one was fetched', () => issued >= 2, { timeoutMs: 8000 });
    const later = notification('frank');
    await gateway.deliver(later);
    await waitFor('the notification sent after the renewal', () => client.received.some((n) => n.notificationId === later.notificationId), { timeoutMs: 8000 });
    expect(issued).toBe(2);
  }, 20_000);
});
