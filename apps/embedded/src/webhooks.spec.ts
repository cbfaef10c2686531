import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import type { RunningProcess } from '@notify/runtime';
import { freePort, sleep, waitFor } from '@notify/testing';
import { embeddedSettings } from './config';
import { devToken, startEmbedded, withGeneratedSecrets } from './embedded';

const shopSecret = 'embedded-shop-secret-0123456789ab';
const otherSecret = 'embedded-other-secret-0123456789a';
const adminSecret = 'embedded-admin-secret-0123456789a';
let running: RunningProcess;
let receiver: Server;
const received: Array<{ path: string; verified: boolean; body: { type: string; data: { eventId: string; status: string; eventType?: string; service: string } } }> = [];
let jwtSecret: string;
const secrets = new Map<string, string>();

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let verified = true;
    try {
      new Webhook(secrets.get(req.url!)!).verify(raw, req.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    received.push({ path: req.url!, verified, body: JSON.parse(raw) });
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const config = loadConfig(embeddedSettings, { PORT: String(await freePort()), LOG_LEVEL: 'silent' });
  const scopes = ['events:write', 'webhooks:read', 'webhooks:write'] as const;
  const resolved = withGeneratedSecrets(config);
  jwtSecret = resolved.jwtSecret;
  running = await startEmbedded(
    {
      ...resolved,
      intakeTokens: [
        { name: 'shop', role: 'producer', secret: shopSecret, scopes },
        { name: 'other', role: 'producer', secret: otherSecret, scopes },
      ],
      adminTokens: [{ name: 'ops', role: 'admin', secret: adminSecret }],
    },
    silentLogger(),
  );
});
afterAll(async () => {
  await running?.stop('test done');
  await new Promise((resolve) => receiver?.close(resolve));
});

const call = (path: string, token: string, body: unknown) =>
  fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

describe('webhooks in the embedded product', () => {
  it('tells a team, over a signed POST, what became of the events it sent, and of no one else’s', async () => {
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    for (const [path, token] of [['/shop', shopSecret], ['/ops', adminSecret]] as const) {
      const res = await call('/v1/webhooks/endpoints', token, { url: `${base}${path}` });
      expect(res.status).toBe(201);
      secrets.set(path, ((await res.json()) as { secret: string }).secret);
    }
    const event = (id: string) => ({ version: 1, id, type: 'payment.succeeded', to: { userId: 'alice' }, priority: 'transactional', payload: { title: 'Paid', body: '42 EUR' }, createdAt: new Date().toISOString() });
    expect((await call('/v1/events', shopSecret, event('wh-shop-1'))).status).toBe(202);
    expect((await call('/v1/events', otherSecret, event('wh-other-1'))).status).toBe(202);
    const heard = (path: string, eventId: string) => received.filter((r) => r.path === path && r.body.data.eventId === eventId);
    await waitFor('the statuses of both events at the ops endpoint', () => heard('/ops', 'wh-shop-1').length > 0 && heard('/ops', 'wh-other-1').length > 0);
    await waitFor('the shop’s event at its endpoint', () => heard('/shop', 'wh-shop-1').length > 0);
    await sleep(300);
    expect(heard('/shop', 'wh-other-1')).toEqual([]);
    expect(received.every((r) => r.verified)).toBe(true);
    expect(heard('/shop', 'wh-shop-1').map((r) => r.body.type)).toContain('notification.routed');
  });

  it('sends an endpoint filtering by event type the steps of those events alone, from every service that writes one', async () => {
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const res = await call('/v1/webhooks/endpoints', adminSecret, { url: `${base}/orders`, eventTypes: ['order.*'] });
    expect(res.status).toBe(201);
    secrets.set('/orders', ((await res.json()) as { secret: string }).secret);
    // carol has a phone and is offline: her event is pushed. dave is online: his is shown in-app.
    const device = await fetch(`${running.url}/v1/users/carol/devices/${'ab'.repeat(32)}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminSecret}` }, body: JSON.stringify({ platform: 'ios', appId: 'com.example.app' }) });
    expect(device.status).toBeLessThan(300);
    const dave = io(running.url, { auth: { token: await devToken(jwtSecret, 'dave') }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => dave.on('connect', resolve).on('connect_error', reject));
    try {
      await sleep(300); // dave's connect reaches the router's view of presence
      const event = (id: string, type: string, userId: string) => ({ version: 1, id, type, to: { userId }, priority: 'transactional', payload: { title: 'Update', body: 'Your order' }, createdAt: new Date().toISOString() });
      for (const body of [event('wh-order-push', 'order.shipped', 'carol'), event('wh-order-inapp', 'order.paid', 'dave'), event('wh-chat', 'chat.message', 'carol')]) {
        expect((await call('/v1/events', adminSecret, body)).status).toBe(202);
      }
      const at = (eventId: string) => received.filter((r) => r.path === '/orders' && r.body.data.eventId === eventId).map((r) => `${r.body.data.service}:${r.body.data.status}`);
      await waitFor('the push service’s step of the pushed order', () => at('wh-order-push').includes('push:sent'));
      await waitFor('the gateway’s step of the order shown in-app', () => at('wh-order-inapp').includes('gateway:sent'));
      expect(at('wh-order-push')).toContain('router:routed');
      await sleep(300);
      expect(at('wh-chat')).toEqual([]);
      const orders = received.filter((r) => r.path === '/orders');
      expect(orders.every((r) => r.verified && (r.body.data.eventType === 'order.shipped' || r.body.data.eventType === 'order.paid'))).toBe(true);
    } finally {
      dave.close();
    }
  });
});
