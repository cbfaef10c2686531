import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders as admin, otherTeamHeaders as billing, producerHeaders as shop, routerEnv, startRouter } from './router-process';

/**
 * Producer tokens are scoped, on a router process over the real Kafka and MongoDB-wire server: a team
 * reads the status trail of the events it sent itself, and another team's event looks like no event.
 */
let router: ServiceProcess;
let base: string;
const sendOnly = { 'content-type': 'application/json', authorization: 'Bearer sender-secret-0123456789abc' };
const readOnly = { 'content-type': 'application/json', authorization: 'Bearer reader-secret-0123456789abc' };

const event = (id: string, userId: string) => ({ version: 1, id, type: 'payment.succeeded', priority: 'transactional', to: { userId }, payload: { title: 'Paid' }, createdAt: new Date().toISOString() });
const send = (body: unknown, headers: Record<string, string>) => fetch(`${base}/v1/events`, { method: 'POST', headers, body: JSON.stringify(body) });
const get = (path: string, headers: Record<string, string>) => fetch(`${base}${path}`, { headers });

beforeAll(async () => {
  const env = await routerEnv('token-scopes');
  env.INTAKE_TOKENS += ',sender:sender-secret-0123456789abc:events:write,reader:reader-secret-0123456789abc:events:read';
  ({ base, process: router } = await startRouter(env));
}, 60_000);
afterAll(async () => {
  await router?.stop('SIGKILL');
});

describe('scoped producer tokens', () => {
  it('lets a team read the history of its own events only; another team’s event answers 404 like an unknown one', async () => {
    const ours = uniqueName('shop-evt');
    expect((await send(event(ours, 'alice'), shop)).status).toBe(202);
    await waitFor('the event’s trail', async () => (await get(`/v1/events/${ours}/history`, shop)).status === 200, { timeoutMs: 20_000, intervalMs: 200 });
    const history = (await (await get(`/v1/events/${ours}/history`, shop)).json()) as { history: Array<{ status: string; notificationId?: string }> };
    expect(history.history.map((h) => h.status)).toContain('routed');
    expect((await get(`/v1/notifications/${ours}:alice/history`, shop)).status).toBe(200);

    // Another team: the same answer as for an event that does not exist.
    const theirs = await get(`/v1/events/${ours}/history`, billing);
    const unknown = await get(`/v1/events/${ours}-never-sent/history`, billing);
    expect(theirs.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(((await theirs.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'NOTIFY_ERR_NOT_FOUND', message: `no history for event ${ours} (yet)` });
    expect((await get(`/v1/notifications/${ours}:alice/history`, billing)).status).toBe(404);
    // Ops see every event.
    expect((await get(`/v1/events/${ours}/history`, admin)).status).toBe(200);

    // The other team's own event is its own to read.
    const billingEvent = uniqueName('billing-evt');
    expect((await send(event(billingEvent, 'bob'), billing)).status).toBe(202);
    await waitFor('the other team’s trail', async () => (await get(`/v1/events/${billingEvent}/history`, billing)).status === 200, { timeoutMs: 20_000, intervalMs: 200 });
    expect((await get(`/v1/events/${billingEvent}/history`, shop)).status).toBe(404);
  });

  it('refuses an event id another token already sent, whole batch included', async () => {
    const taken = uniqueName('taken');
    expect((await send(event(taken, 'carol'), shop)).status).toBe(202);
    const again = await send({ events: [event(uniqueName('fresh'), 'carol'), event(taken, 'carol')] }, billing);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'NOTIFY_ERR_CONFLICT', message: expect.stringContaining(`event id ${taken} was already sent by another token`) });
    // The sender itself may send it again (a retry), and is told it was accepted.
    expect((await send(event(taken, 'carol'), shop)).status).toBe(202);
  });

  it('answers 403 naming the scope a token lacks', async () => {
    const id = uniqueName('send-only');
    expect((await send(event(id, 'dave'), sendOnly)).status).toBe(202);
    const history = await get(`/v1/events/${id}/history`, sendOnly);
    expect(history.status).toBe(403);
    expect(((await history.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'NOTIFY_ERR_FORBIDDEN', message: 'token "sender" lacks the scope events:read (add it after the secret in INTAKE_TOKENS: name:secret:events:read)' });
    const sent = await send(event(uniqueName('read-only'), 'dave'), readOnly);
    expect(sent.status).toBe(403);
    expect(((await sent.json()) as { error: { message: string } }).error.message).toContain('lacks the scope events:write');
    // Written the old way, a token sends and follows events but reads no one's preferences or topics.
    expect((await get('/v1/users/alice/preferences', billing)).status).toBe(403);
    expect((await get('/v1/topics/followers:1/members', billing)).status).toBe(403);
    expect((await get('/v1/users/alice/preferences', shop)).status).toBe(200);
  });
});
