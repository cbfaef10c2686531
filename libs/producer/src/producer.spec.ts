import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidEventError, ProducerClosedError, ProducerError } from './errors';
import { createProducer, type Producer } from './producer';

/** A real HTTP server standing in for the router's intake: records each request, answers as `answer` says. */
type Answer = (events: Array<{ id: string }>, request: number) => { status: number; body?: unknown; headers?: Record<string, string> };
let server: Server | undefined;
let producer: Producer | undefined;

async function intake(answer: Answer): Promise<{ url: string; requests: Array<{ at: number; ids: string[]; auth?: string }> }> {
  const requests: Array<{ at: number; ids: string[]; auth?: string }> = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const { events } = JSON.parse(text) as { events: Array<{ id: string }> };
      requests.push({ at: Date.now(), ids: events.map((e) => e.id), auth: req.headers.authorization });
      const { status, body, headers } = answer(events, requests.length);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body ?? { accepted: events.map((e) => ({ id: e.id, lane: 'default' })) }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const event = (userId: string, extra: Record<string, unknown> = {}) => ({ type: 'order.shipped', to: { userId }, payload: { title: 'Shipped' }, priority: 'transactional' as const, ...extra });
const fast = { retry: { initialDelayMs: 10, maxDelayMs: 40 } };

afterEach(async () => {
  await producer?.close().catch(() => undefined);
  producer = undefined;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('createProducer over HTTP', () => {
  it('puts events sent together into one request, in order, with the token, and splits at maxEvents', async () => {
    const router = await intake(() => ({ status: 202 }));
    producer = createProducer({ http: { url: router.url, token: 'secret' }, batching: { lingerMs: 20, maxEvents: 3 }, newId: (() => { let n = 0; return () => `e${++n}`; })() });
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((u) => producer!.send(event(u))));
    expect(results.map((r) => r.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(router.requests.map((r) => r.ids)).toEqual([['e1', 'e2', 'e3'], ['e4', 'e5']]);
    expect(router.requests[0]!.auth).toBe('Bearer secret');
  });

  it('sends marketing to the bulk lane and the rest to the default lane', async () => {
    const router = await intake(() => ({ status: 202 }));
    producer = createProducer({ http: { url: router.url, token: 't' } });
    const lanes = await producer.sendMany([event('a'), event('b', { priority: 'marketing' }), event('c', { priority: 'critical' })]);
    expect(lanes.map((l) => l.lane)).toEqual(['default', 'bulk', 'default']);
  });

  it('retries a 503 and a lost connection with the same ids until the router takes them', async () => {
    const router = await intake((_, n) => (n === 1 ? { status: 503, body: { error: { code: 'NOTIFY_ERR_UNAVAILABLE', message: 'Kafka is away' } } } : n === 2 ? { status: 502, body: 'not json' } : { status: 202 }));
    producer = createProducer({ http: { url: router.url, token: 't' }, ...fast });
    const [a, b] = await producer.sendMany([event('a'), event('b', { id: 'mine' })]);
    expect(router.requests).toHaveLength(3);
    for (const request of router.requests) expect(request.ids).toEqual([a!.id, 'mine']);
    expect(b!.id).toBe('mine');
  });

  it('waits as long as a 429 says in Retry-After', async () => {
    const router = await intake((_, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'NOTIFY_ERR_RATE_LIMITED', message: 'slow down' } } } : { status: 202 }));
    producer = createProducer({ http: { url: router.url, token: 't' }, ...fast });
    await producer.send(event('a'));
    expect(router.requests).toHaveLength(2);
    expect(router.requests[1]!.at - router.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('does not retry a refusal (403): the send fails at once with the code and status', async () => {
    const router = await intake(() => ({ status: 403, body: { error: { code: 'NOTIFY_ERR_FORBIDDEN', message: 'token "x" lacks events:write' } } }));
    producer = createProducer({ http: { url: router.url, token: 't' }, ...fast });
    const error = (await producer.send(event('a')).catch((e: unknown) => e)) as ProducerError;
    expect(error).toBeInstanceOf(ProducerError);
    expect([error.status, error.code, error.retriable, error.options.attempts]).toEqual([403, 'NOTIFY_ERR_FORBIDDEN', false, 1]);
    expect(error.message).toMatch(/lacks events:write/);
    expect(router.requests).toHaveLength(1);
  });

  it('fails the events a 400 names and sends the others again', async () => {
    const router = await intake((events, n) =>
      n === 1 ? { status: 400, body: { error: { code: 'NOTIFY_ERR_VALIDATION', message: '1 of 3 events are invalid', details: { rejected: [{ index: 1, id: events[1]!.id, reason: 'invalid_envelope', message: 'type "x": unknown type and no priority' }] } } } } : { status: 202 },
    );
    producer = createProducer({ http: { url: router.url, token: 't' }, ...fast });
    const outcomes = await Promise.allSettled([producer.send(event('a', { id: 'a' })), producer.send(event('b', { id: 'b' })), producer.send(event('c', { id: 'c' }))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (outcomes[1] as PromiseRejectedResult).reason as InvalidEventError;
    expect(refused).toBeInstanceOf(InvalidEventError);
    expect(refused.message).toBe('event b was refused: type "x": unknown type and no priority');
    expect(router.requests.map((r) => r.ids)).toEqual([['a', 'b', 'c'], ['a', 'c']]);
  });

  it('gives up after the configured attempts, saying the failure was temporary', async () => {
    const router = await intake(() => ({ status: 500, body: { error: { code: 'NOTIFY_ERR_INTERNAL', message: 'boom' } } }));
    producer = createProducer({ http: { url: router.url, token: 't' }, retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 10 } });
    const error = (await producer.send(event('a')).catch((e: unknown) => e)) as ProducerError;
    expect([error.retriable, error.status, error.options.attempts]).toEqual([true, 500, 3]);
    expect(error.message).toMatch(/^gave up after 3 attempts: .* answered 500: boom$/);
    expect(router.requests).toHaveLength(3);
  });

  it('retries when nothing listens, then says so', async () => {
    const router = await intake(() => ({ status: 202 }));
    await new Promise((r) => server!.close(r));
    server = undefined;
    producer = createProducer({ http: { url: router.url, token: 't' }, retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 10 } });
    const error = (await producer.send(event('a')).catch((e: unknown) => e)) as ProducerError;
    expect([error.name, error.retriable, error.options.attempts]).toEqual(['ProducerError', true, 2]);
    expect(error.message).toMatch(/failed: fetch failed/);
  });

  it('refuses an invalid event before sending anything, naming the field; sendMany queues none of a bad batch', async () => {
    const router = await intake(() => ({ status: 202 }));
    producer = createProducer({ http: { url: router.url, token: 't' } });
    await expect(producer.send({ ...event('a'), payload: { title: 'x'.repeat(300) } })).rejects.toThrow(/payload\.title: 300 characters; at most/);
    await expect(producer.sendMany([event('a'), { ...event('b'), to: {} as never }])).rejects.toBeInstanceOf(InvalidEventError);
    await producer.flush();
    expect(router.requests).toHaveLength(0);
  });

  it('flushes on close, then refuses new sends', async () => {
    const router = await intake(() => ({ status: 202 }));
    producer = createProducer({ http: { url: router.url, token: 't' }, batching: { lingerMs: 60_000 } });
    const sent = producer.send(event('a'));
    await producer.close();
    await expect(sent).resolves.toMatchObject({ lane: 'default' });
    expect(router.requests).toHaveLength(1);
    await expect(producer.send(event('b'))).rejects.toBeInstanceOf(ProducerClosedError);
  });

  it('says which options are wrong', () => {
    expect(() => createProducer({} as never)).toThrow('give exactly one of { kafka } or { http }');
    expect(() => createProducer({ kafka: { brokers: [] } })).toThrow('kafka.brokers must name at least one broker');
  });
});
