import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, userToken, type GatewayUnderTest } from './gateway-harness';

/** What a browser asks before it sends a request with an Authorization header from another origin. */
const preflight = (url: string, origin: string, method = 'POST') =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization' } });

const app = 'https://app.example.com';
const stranger = 'https://elsewhere.example.org';

describe('CORS with GATEWAY_CORS_ORIGINS set', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGateway({ corsOrigins: [app, 'http://localhost:5173'] });
  });
  afterAll(() => gateway?.stop());

  it('answers a listed origin’s preflight for the ticket and inbox routes, and nobody else’s', async () => {
    for (const path of ['/v1/stream/tickets', '/v1/inbox/read-all']) {
      const allowed = await preflight(`${gateway.url}${path}`, app);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(app);
      expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(allowed.headers.get('vary')).toContain('Origin');
      const refused = await preflight(`${gateway.url}${path}`, stranger);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect(refused.status).toBe(404);
    }
    expect((await preflight(`${gateway.url}/v1/inbox`, 'http://localhost:5173', 'GET')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('lets a listed origin read the inbox API, the ticket and the stream; another origin gets no CORS headers', async () => {
    const token = await userToken('cors-amy');
    const inbox = await fetch(`${gateway.url}/v1/inbox`, { headers: { origin: app, authorization: `Bearer ${token}` } });
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get('access-control-allow-origin')).toBe(app);
    const elsewhere = await fetch(`${gateway.url}/v1/inbox`, { headers: { origin: stranger, authorization: `Bearer ${token}` } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();

    const issued = await fetch(`${gateway.url}/v1/stream/tickets`, { method: 'POST', headers: { origin: app, authorization: `Bearer ${token}` } });
    expect(issued.headers.get('access-control-allow-origin')).toBe(app);
    const { ticket } = (await issued.json()) as { ticket: string };
    const stream = await fetch(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(ticket)}`, { headers: { origin: app } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('access-control-allow-origin')).toBe(app);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await stream.body?.cancel();
  });

  it('lets a listed origin use socket.io’s long-polling transport', async () => {
    const handshake = (origin: string) => fetch(`${gateway.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const allowed = await handshake(app);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(app);
    expect((await handshake(stranger)).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS by default', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGateway({ infrastructure: 'memory' });
  });
  afterAll(() => gateway?.stop());

  it('sends no CORS headers: only pages of the gateway’s own origin may call it', async () => {
    const refused = await preflight(`${gateway.url}/v1/stream/tickets`, app);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const inbox = await fetch(`${gateway.url}/v1/inbox`, { headers: { origin: app, authorization: `Bearer ${await userToken('cors-bo')}` } });
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${gateway.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: app } })).headers.get('access-control-allow-origin')).toBeNull();
  });
});
