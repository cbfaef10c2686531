import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@notify/config';
import type { ClientNotification, ServerToClientEvents } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import type { RunningProcess } from '@notify/runtime';
import { freePort, sleep, waitFor } from '@notify/testing';
import { embeddedSettings } from './config';
import { devToken, startEmbedded, withGeneratedSecrets } from './embedded';

const secret = 'embedded-test-secret-0123456789abcdef';
const producerSecret = 'embedded-producer-secret-0123456789';
let running: RunningProcess;
let url: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  const config = loadConfig(embeddedSettings, { PORT: String(await freePort()), LOG_LEVEL: 'silent' });
  running = await startEmbedded({ ...withGeneratedSecrets(config), jwtSecret: secret, intakeTokens: [{ name: 'test', role: 'producer', secret: producerSecret, scopes: ['events:write', 'events:read', 'devices:write'] }] }, silentLogger());
  url = running.url;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await running.stop('test done');
});

function connect(auth: Record<string, unknown>): Promise<{ socket: Socket<ServerToClientEvents>; received: ClientNotification[] }> {
  const socket: Socket<ServerToClientEvents> = io(url, { auth, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const received: ClientNotification[] = [];
  socket.on('notification', (n) => received.push(n));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, received }));
    socket.once('connect_error', reject);
  });
}

async function post(body: unknown): Promise<Response> {
  return fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${producerSecret}` }, body: JSON.stringify(body) });
}

const event = (id: string, userId: string, extra: Record<string, unknown> = {}) => ({
  version: 1,
  id,
  type: 'payment.succeeded',
  to: { userId },
  priority: 'transactional',
  payload: { title: 'Payment received', body: 'You were paid 42 EUR', amount: 42 },
  createdAt: new Date().toISOString(),
  ...extra,
});

describe('embedded product', () => {
  it('refuses a handshake without a token, with a bad signature or an expired token, and says why', async () => {
    await expect(connect({})).rejects.toThrow('unauthorized: no token (send it as auth.token)');
    await expect(connect({ token: await devToken('another-secret-of-sufficient-length!!', 'alice') })).rejects.toThrow('unauthorized: bad token signature');
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(secret));
    await expect(connect({ token: expired })).rejects.toThrow('unauthorized: token expired');
  });

  it('delivers a transactional event to every socket of its user, and to no one else', async () => {
    const aliceOnPhone = await connect({ token: await devToken(secret, 'alice') });
    const aliceOnLaptop = await connect({ token: await devToken(secret, 'alice') });
    const bob = await connect({ token: await devToken(secret, 'bob') });
    expect((await post(event('pay-1', 'alice'))).status).toBe(202);
    await waitFor('both of alice’s sockets to receive it', () => aliceOnPhone.received.length === 1 && aliceOnLaptop.received.length === 1);
    expect(aliceOnPhone.received[0]).toMatchObject({
      notificationId: 'pay-1:alice',
      seq: 1,
      type: 'payment.succeeded',
      priority: 'transactional',
      state: 'sent',
      content: { title: 'Payment received', body: 'You were paid 42 EUR', data: { amount: 42 } },
    });
    await sleep(200);
    expect(bob.received).toEqual([]);
    // Stored before it was emitted: the inbox has it for a client that was offline.
    expect(await running.deps.store.inbox.unreadCount('alice')).toBe(1);
  });

  it('keeps marketing off the socket (bulk push lane) and drops an expired event', async () => {
    const carol = await connect({ token: await devToken(secret, 'carol') });
    expect((await post(event('offer-1', 'carol', { priority: 'marketing', category: 'offers' }))).status).toBe(202);
    expect((await post(event('late-1', 'carol', { createdAt: new Date(Date.now() - 120_000).toISOString(), ttl: 60 }))).status).toBe(202);
    expect((await post(event('pay-2', 'carol'))).status).toBe(202);
    await waitFor('the transactional event', () => carol.received.length === 1);
    await sleep(200);
    expect(carol.received.map((n) => n.notificationId)).toEqual(['pay-2:carol']);
  });

  it('pushes to an offline user’s registered phone through the local APNs emulator', async () => {
    const token = 'cd'.repeat(32);
    const registered = await fetch(`${url}/v1/users/dora/devices/${token}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${producerSecret}` }, body: JSON.stringify({ platform: 'ios', appId: 'com.example.app' }) });
    expect(registered.status).toBe(201);
    expect((await post(event('pay-dora', 'dora'))).status).toBe(202);
    const pushes = async () => (await (await fetch(`${url}/v1/dev/pushes`, { headers: { authorization: `Bearer ${producerSecret}` } })).json()) as { apns: Array<{ token: string; headers: { priority: string }; status: number }> };
    await waitFor('the push at the APNs emulator', async () => (await pushes()).apns.some((p) => p.token === token));
    expect((await pushes()).apns.find((p) => p.token === token)).toMatchObject({ headers: { priority: '10' }, status: 200 });
  });

  it('lets an app register its user’s browser with the socket’s JWT, and pushes to it with FCM’s webpush block', async () => {
    const browser = 'fcm-web-olga-0123456789:APA91b';
    const me = { 'content-type': 'application/json', authorization: `Bearer ${await devToken(secret, 'olga')}` };
    const registered = await fetch(`${url}/v1/me/devices/${browser}`, { method: 'PUT', headers: me, body: JSON.stringify({ platform: 'web', appId: 'shop-web' }) });
    expect(registered.status).toBe(201);
    expect(((await (await fetch(`${url}/v1/me/devices`, { headers: me })).json()) as { devices: Array<{ platform: string }> }).devices).toEqual([expect.objectContaining({ platform: 'web', userId: 'olga' })]);
    expect((await post(event('pay-olga', 'olga'))).status).toBe(202);
    const pushes = async () => (await (await fetch(`${url}/v1/dev/pushes`, { headers: { authorization: `Bearer ${producerSecret}` } })).json()) as { fcm: Array<{ token: string; message: Record<string, unknown> }> };
    await waitFor('the web push at the FCM emulator', async () => (await pushes()).fcm.some((p) => p.token === browser));
    const { message } = (await pushes()).fcm.find((p) => p.token === browser)!;
    expect(message).not.toHaveProperty('android');
    expect(message.webpush).toMatchObject({ headers: { Urgency: 'high' }, notification: { title: 'Payment received', body: 'You were paid 42 EUR' } });
    expect((await fetch(`${url}/v1/me/devices/${browser}`, { method: 'DELETE', headers: { authorization: me.authorization } })).status).toBe(204);
  });

  it('answers the status trail of a notification and of an event: what happened, where, or why not', async () => {
    const history = async (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${producerSecret}` } });
    await waitFor('the push to be in the trail', async () => {
      const response = await history('/v1/notifications/pay-dora:dora/history');
      return response.status === 200 && ((await response.json()) as { history: Array<{ status: string; channel?: string }> }).history.some((h) => h.status === 'sent' && h.channel === 'apns');
    });
    const trail = (await (await history('/v1/notifications/pay-dora:dora/history')).json()) as { history: Array<{ status: string; channel?: string; service: string }> };
    expect(trail.history.map((h) => `${h.service}:${h.status}:${h.channel ?? ''}`)).toEqual(expect.arrayContaining(['router:routed:inapp', 'router:routed:push', 'gateway:sent:inapp', 'push:sent:apns']));
    const event = (await (await history('/v1/events/offer-1/history')).json()) as { history: Array<{ status: string }> };
    expect(event.history.length).toBeGreaterThan(0);
    const unknown = await history('/v1/notifications/nope/history');
    expect(unknown.status).toBe(404);
  });
});

