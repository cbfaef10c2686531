import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDevice, unregisterDevice } from './devices';
import { NotifyError } from './errors';

/** A real HTTP server standing in for the push service: records each request, answers as `answer` says. */
let server: Server | undefined;
async function push(answer: (method: string) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const requests: Array<{ method: string; url: string; auth?: string; body: string }> = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const { status, body: out, headers } = answer(req.method!);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(out === undefined ? undefined : JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

const device = { tokenSuffix: 'abcdef12', userId: 'u1', platform: 'ios', appId: 'com.example', environment: 'production', kind: 'device', active: true, createdAt: 'x', updatedAt: 'x' };

describe('device registration', () => {
  it('PUTs the registration to /v1/me/devices/:token with the user token, and says whether the device was new', async () => {
    const service = await push(() => ({ status: 201, body: { device, evicted: ['99999999'] } }));
    const registered = await registerDevice(service.url, 'jwt-1', 'tok:en/1234567890abcdef', { platform: 'ios', appId: 'com.example' });
    expect(registered).toEqual({ device, created: true, evicted: ['99999999'] });
    expect(service.requests).toEqual([{ method: 'PUT', url: '/v1/me/devices/tok%3Aen%2F1234567890abcdef', auth: 'Bearer jwt-1', body: '{"platform":"ios","appId":"com.example"}' }]);
  });

  it('turns a refusal into a NotifyError with the code, status and when to retry', async () => {
    const service = await push(() => ({ status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'NOTIFY_ERR_RATE_LIMITED', message: 'more than 30 requests in 1 minute for this user' } } }));
    const error = (await registerDevice(service.url, 'jwt', 'a'.repeat(64), { platform: 'android', appId: 'x' }).catch((e: unknown) => e)) as NotifyError;
    expect(error).toBeInstanceOf(NotifyError);
    expect([error.code, error.status, error.retryAfterMs, error.message]).toEqual(['NOTIFY_ERR_RATE_LIMITED', 429, 3000, 'more than 30 requests in 1 minute for this user']);
  });

  it('DELETEs on unregister: true when removed, false when the user had no such device', async () => {
    let status = 204;
    const service = await push(() => (status === 204 ? { status } : { status, body: { error: { code: 'NOTIFY_ERR_NOT_FOUND', message: 'no device …cdef for this user' } } }));
    expect(await unregisterDevice(service.url, 'jwt', 'a'.repeat(64))).toBe(true);
    status = 404;
    expect(await unregisterDevice(service.url, 'jwt', 'a'.repeat(64))).toBe(false);
    expect(service.requests.map((r) => [r.method, r.url, r.auth])).toEqual([
      ['DELETE', `/v1/me/devices/${'a'.repeat(64)}`, 'Bearer jwt'],
      ['DELETE', `/v1/me/devices/${'a'.repeat(64)}`, 'Bearer jwt'],
    ]);
  });

  it('does not take a push service without the /v1/me routes for "already removed"', async () => {
    const service = await push(() => ({ status: 404, body: { error: { code: 'NOTIFY_ERR_NOT_FOUND', message: 'apps cannot register devices on this push service: set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL (as on the gateway) to turn on /v1/me/devices' } } }));
    await expect(unregisterDevice(service.url, 'jwt', 'a'.repeat(64))).rejects.toThrow(/turn on \/v1\/me\/devices/);
  });
});
