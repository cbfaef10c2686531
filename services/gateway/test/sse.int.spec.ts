import type { Server as HttpServer } from 'node:http';
import { EventSource } from 'eventsource';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyStream, memoryCursorStore, requestStreamTicket, type EventSourceConstructor, type NotifyError } from '@notify/client';
import type { ClientNotification } from '@notify/contracts';
import { sleep } from '@notify/testing';
import { StreamTickets } from '../src/sse/stream-tickets';
import { jwtSecret, notification, places, startGateway, userToken, waitFor, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
const streams: EventSource[] = [];
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  for (const s of streams) s.close();
  await gateway.stop();
});

/** A ticket for the user's token, asked for as a browser page would (the token in the Authorization header). */
async function ticketFor(token: string): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticket: string }).ticket;
}

/** A real EventSource client; the URL carries a ticket, never the token (browsers' EventSource cannot set headers). */
async function openStream(token: string, lastEventId?: number) {
  const received: ClientNotification[] = [];
  const unread: number[] = [];
  const errors: unknown[] = [];
  const stream = new EventSource(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(await ticketFor(token))}`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }) } }),
  });
  streams.push(stream);
  stream.addEventListener('notification', (e) => received.push(JSON.parse(e.data) as ClientNotification));
  stream.addEventListener('unread', (e) => unread.push((JSON.parse(e.data) as { count: number }).count));
  stream.addEventListener('error', (e) => errors.push(e));
  return { stream, received, unread, errors, opened: new Promise<void>((resolve) => stream.addEventListener('open', () => resolve(), { once: true })) };
}

describe('SSE stream', () => {
  it('streams a user’s notifications with their seq as event id, and resumes after Last-Event-ID', async () => {
    const token = await userToken('sse-alice');
    const first = await openStream(token);
    await first.opened;
    await waitFor('the initial unread count', () => first.unread.length === 1);
    await gateway.deliver(notification('sse-alice'), notification('sse-alice'));
    await waitFor('two events', () => first.received.length === 2);
    expect(places(first.received)).toEqual([1, 2]);
    const cursor = first.received[1]!.seq;
    first.stream.close();

    const missed = [notification('sse-alice'), notification('sse-alice'), notification('sse-alice')];
    await gateway.deliver(...missed);
    await sleep(100);
    const resumed = await openStream(token, cursor);
    await resumed.opened;
    await waitFor('the three missed', () => resumed.received.length === 3);
    expect(resumed.received.map((n) => n.notificationId)).toEqual(missed.map((n) => n.notificationId));
    expect(resumed.received.map((n) => n.seq)).toEqual([cursor + 1, cursor + 2, cursor + 3]);
  });

  it('the SDK’s stream reconnects after the connection drops with a fresh ticket, resuming without gap or duplicate', async () => {
    let tokens = 0;
    const stream = new NotifyStream({
      url: gateway.url,
      token: () => (tokens++, userToken('sse-bob')),
      EventSource: EventSource as unknown as EventSourceConstructor,
      cursorStore: memoryCursorStore(),
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    const received: ClientNotification[] = [];
    stream.on('notification', (n) => received.push(n));
    await stream.connect();
    try {
      await gateway.deliver(notification('sse-bob'));
      await waitFor('first', () => received.length === 1);
      (gateway.running.deps.http.app.server as HttpServer).closeAllConnections();
      await waitFor('a second ticket, for the reconnect', () => tokens === 2);
      await waitFor('the stream open again', () => stream.connected);
      await gateway.deliver(notification('sse-bob'), notification('sse-bob'));
      await waitFor('the rest after the reconnect', () => received.length === 3, { timeoutMs: 10_000 });
      expect(places(received)).toEqual([1, 2, 3]);
    } finally {
      stream.close();
    }
  });

  it('refuses a stream without a ticket or token with a 401 and the reason', async () => {
    const none = await fetch(`${gateway.url}/v1/stream`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'open the stream with ?ticket= (from POST /v1/stream/tickets), or send Authorization: Bearer' } });
    const forged = await fetch(`${gateway.url}/v1/stream`, { headers: { authorization: `Bearer ${await userToken('x', 'another-secret-of-sufficient-length!!')}` } });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { message: 'unauthorized: bad token signature' } });
  });
});

describe('SSE tickets', () => {
  const refusal = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error });

  it('are issued only for a valid token in the Authorization header', async () => {
    const token = await userToken('sse-carol');
    expect(await refusal(await fetch(`${gateway.url}/v1/stream/tickets`, { method: 'POST' }))).toEqual({ status: 401, code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'send the user’s token as Authorization: Bearer' });
    expect((await fetch(`${gateway.url}/v1/stream/tickets?access_token=${token}`, { method: 'POST' })).status).toBe(401);
    const forged = await userToken('sse-carol', 'another-secret-of-sufficient-length!!');
    expect(await refusal(await fetch(`${gateway.url}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${forged}` } }))).toMatchObject({ status: 401, message: 'unauthorized: bad token signature' });
    const issued = await fetch(`${gateway.url}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const { ticket, expiresAt } = (await issued.json()) as { ticket: string; expiresAt: string };
    // Opaque: neither the token nor the user id can be read from the URL it goes in.
    expect(ticket).not.toContain(token);
    expect(Buffer.from(ticket.replaceAll('.', ''), 'base64url').toString('latin1')).not.toContain('sse-carol');
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(20_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);
  });

  it('open one stream each: the same ticket again is refused with a 401 saying so', async () => {
    const ticket = await ticketFor(await userToken('sse-dave'));
    const first = await fetch(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(ticket)}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await first.body?.cancel();
    expect(await refusal(await fetch(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(ticket)}`))).toEqual({ status: 401, code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'ticket already used: get a new one for every stream you open' });
  });

  it('expire: a ticket not used in time is refused with a 401 saying so; one from another secret is not a ticket', async () => {
    // A ticket lives at most as long as its token: this one expires with its 1 s token.
    const shortToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('sse-erin').setExpirationTime(Math.floor(Date.now() / 1000) + 1).sign(new TextEncoder().encode(jwtSecret));
    const ticket = await ticketFor(shortToken);
    await sleep(2100);
    expect(await refusal(await fetch(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(ticket)}`))).toEqual({ status: 401, code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'ticket expired: get a new one from POST /v1/stream/tickets' });
    const foreign = await new StreamTickets('some-other-shared-secret-0123456789abcdef', gateway.running.deps.store.idempotency).issue('sse-erin', Date.now() + 60_000);
    expect(await refusal(await fetch(`${gateway.url}/v1/stream?ticket=${encodeURIComponent(foreign.ticket)}`))).toMatchObject({ status: 401, message: 'not a valid ticket: get one from POST /v1/stream/tickets' });
  });

  it('are what the SDK asks for: the user’s token goes in a header, the URL holds only the ticket', async () => {
    const token = await userToken('sse-fay');
    const asked: Array<{ url: string; authorization: string | null }> = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      asked.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
      return fetch(input, init);
    };
    const { streamUrl } = await requestStreamTicket(gateway.url, token, { lastEventId: 7, device: 'web', fetch: recordingFetch });
    expect(asked).toEqual([{ url: `${gateway.url}/v1/stream/tickets`, authorization: `Bearer ${token}` }]);
    expect(streamUrl).not.toContain(token);
    expect(new URL(streamUrl).searchParams.get('lastEventId')).toBe('7');
    const refused = await requestStreamTicket(gateway.url, 'not-a-token').catch((err: NotifyError) => err);
    expect(refused).toMatchObject({ code: 'NOTIFY_ERR_UNAUTHENTICATED', status: 401 });
  });
});

describe('the user token in the stream URL', () => {
  it('is refused by default, with the way to a ticket', async () => {
    const response = await fetch(`${gateway.url}/v1/stream?access_token=${await userToken('sse-gus')}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'a token in the URL is not accepted: get a ticket from POST /v1/stream/tickets (Authorization: Bearer) and open /v1/stream?ticket=…',
    );
  });

  it('is still accepted where GATEWAY_SSE_TOKEN_IN_QUERY turns the deprecated way on', async () => {
    const legacy = await startGateway({ infrastructure: 'memory', sseTokenInQuery: true });
    try {
      const response = await fetch(`${legacy.url}/v1/stream?access_token=${await userToken('sse-gus')}`);
      expect(response.status).toBe(200);
      await response.body?.cancel();
    } finally {
      await legacy.stop();
    }
  });
});
