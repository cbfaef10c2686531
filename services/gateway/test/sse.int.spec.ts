import type { Server as HttpServer } from 'node:http';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientNotification } from '@notify/contracts';
import { sleep } from '@notify/testing';
import { notification, places, startGateway, userToken, waitFor, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
const streams: EventSource[] = [];
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  for (const s of streams) s.close();
  await gateway.stop();
});

/** A real EventSource client; the token goes in the query because browsers' EventSource cannot set headers. */
function openStream(token: string, lastEventId?: number) {
  const received: ClientNotification[] = [];
  const unread: number[] = [];
  const errors: unknown[] = [];
  const stream = new EventSource(`${gateway.url}/v1/stream?access_token=${encodeURIComponent(token)}`, {
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
    const first = openStream(token);
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
    const resumed = openStream(token, cursor);
    await resumed.opened;
    await waitFor('the three missed', () => resumed.received.length === 3);
    expect(resumed.received.map((n) => n.notificationId)).toEqual(missed.map((n) => n.notificationId));
    expect(resumed.received.map((n) => n.seq)).toEqual([cursor + 1, cursor + 2, cursor + 3]);
  });

  it('lets EventSource reconnect on its own after the connection drops, resuming without gap or duplicate', async () => {
    const live = openStream(await userToken('sse-bob'));
    await live.opened;
    await gateway.deliver(notification('sse-bob'));
    await waitFor('first', () => live.received.length === 1);
    (gateway.running.deps.http.app.server as HttpServer).closeAllConnections();
    await waitFor('the drop to be noticed', () => live.errors.length > 0);
    await gateway.deliver(notification('sse-bob'), notification('sse-bob'));
    await waitFor('the rest after the automatic reconnect', () => live.received.length === 3, { timeoutMs: 10_000 });
    expect(places(live.received)).toEqual([1, 2, 3]);
  });

  it('refuses a stream without a valid token with a 401 and the reason', async () => {
    const none = await fetch(`${gateway.url}/v1/stream`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'send the token as Authorization: Bearer or ?access_token=' } });
    const forged = await fetch(`${gateway.url}/v1/stream?access_token=${await userToken('x', 'another-secret-of-sufficient-length!!')}`);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { message: 'unauthorized: bad token signature' } });
  });
});
