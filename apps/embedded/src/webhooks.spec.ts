import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@notify/config';
import { silentLogger } from '@notify/observability';
import type { RunningProcess } from '@notify/runtime';
import { freePort, sleep, waitFor } from '@notify/testing';
import { embeddedSettings } from './config';
import { startEmbedded, withGeneratedSecrets } from './embedded';

const shopSecret = 'embedded-shop-secret-0123456789ab';
const otherSecret = 'embedded-other-secret-0123456789a';
const adminSecret = 'embedded-admin-secret-0123456789a';
let running: RunningProcess;
let receiver: Server;
const received: Array<{ path: string; verified: boolean; body: { type: string; data: { eventId: string; status: string } } }> = [];
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
  running = await startEmbedded(
    {
      ...withGeneratedSecrets(config),
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
});
