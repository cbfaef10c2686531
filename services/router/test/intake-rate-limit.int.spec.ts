import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, type ServiceProcess } from '@notify/testing';
import { otherTeamHeaders as billing, producerHeaders as shop, routerEnv, startRouter } from './router-process';

/** The intake rate per producer token (@fastify/rate-limit), on a router process over the real Kafka and MongoDB-wire server. */
let router: ServiceProcess;
let base: string;
const event = (id: string) => ({ version: 1, id, type: 'payment.succeeded', priority: 'transactional', to: { userId: 'rate-alice' }, payload: { title: 'Paid' }, createdAt: new Date().toISOString() });
const send = (body: unknown, headers: Record<string, string>) => fetch(`${base}/v1/events`, { method: 'POST', headers, body: JSON.stringify(body) });

beforeAll(async () => {
  const env = await routerEnv('intake-rate');
  ({ base, process: router } = await startRouter({ ...env, ROUTER_INTAKE_RATE_LIMIT: '3', ROUTER_INTAKE_RATE_WINDOW_MS: '60000' }));
}, 60_000);
afterAll(async () => {
  await router?.stop('SIGKILL');
});

describe('intake rate per producer token', () => {
  it('answers 429 NOTIFY_ERR_RATE_LIMITED with Retry-After past the limit, counting each token on its own and a batch once', async () => {
    expect((await send(event(uniqueName('r')), shop)).status).toBe(202);
    expect((await send({ events: [event(uniqueName('r')), event(uniqueName('r')), event(uniqueName('r'))] }, shop)).status).toBe(202);
    // A request the token check refuses is not counted against anyone: it never gets that far.
    expect((await send(event(uniqueName('r')), { ...shop, authorization: 'Bearer not-a-known-token-0123456789' })).status).toBe(401);
    expect((await send(event(uniqueName('r')), shop)).status).toBe(202);

    const limited = await send(event(uniqueName('r')), shop);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('3');
    expect(((await limited.json()) as { error: unknown }).error).toEqual({
      code: 'NOTIFY_ERR_RATE_LIMITED',
      message: expect.stringMatching(/^token "shop" made more than 3 requests in 1 minute; retry after \d+ s$/) as unknown as string,
    });

    // Another team's token has its own budget; an unknown token is still told it is unknown, not limited.
    expect((await send(event(uniqueName('r')), billing)).status).toBe(202);
    expect((await send(event(uniqueName('r')), { ...shop, authorization: 'Bearer not-a-known-token-0123456789' })).status).toBe(401);
  });
});
