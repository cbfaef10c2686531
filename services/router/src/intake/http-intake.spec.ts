import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { intakeLaneOf } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { unknownType } from '../usecases/route-event';
import { registerHttpIntake } from './http-intake';

const event = (overrides: Record<string, unknown> = {}) => ({
  version: 1,
  id: 'evt-1',
  type: 'payment.succeeded',
  to: { userId: 'u-1' },
  payload: { amount: 10 },
  createdAt: '2026-11-25T10:00:00Z',
  ...overrides,
});

const headers = { authorization: 'Bearer producer-secret-0123456789' };
let bus: MemoryBus;
let server: HttpServer;
beforeEach(async () => {
  const metrics = createMetricsRegistry('test', { processMetrics: false });
  bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics });
  await bus.start();
  server = createHttpServer({ logger: silentLogger(), metrics });
  registerHttpIntake(server.app, {
    bus,
    maxBatchEvents: 3,
    tokens: parseTokens(['checkout:producer-secret-0123456789'], 'producer'),
    laneOf: (e) => intakeLaneOf(e.priority),
    // As the router's rules would: one rule, for payments.
    refuse: (e) => unknownType(e, e.type.startsWith('payment.') ? 'payments' : null),
  });
});
afterEach(async () => {
  await server.close();
  await bus.stop();
});

describe('POST /v1/events', () => {
  it('accepts one event onto the default lane', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers, payload: event() });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: 'evt-1', lane: 'default' });
    expect(bus.size(topics.notifyEvents)).toBe(1);
    expect(bus.size(topics.notifyEventsBulk)).toBe(0);
  });

  it('puts marketing on the bulk lane so it never queues in front of transactional events', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers, payload: { events: [event({ id: 'm-1', priority: 'marketing' }), event({ id: 't-1', priority: 'transactional' })] } });
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toEqual([
      { id: 'm-1', lane: 'bulk' },
      { id: 't-1', lane: 'default' },
    ]);
    expect(bus.size(topics.notifyEventsBulk)).toBe(1);
    expect(bus.size(topics.notifyEvents)).toBe(1);
  });

  it('answers 400 naming the field, and writes nothing', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers, payload: event({ to: undefined }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'NOTIFY_ERR_VALIDATION', message: 'to: required (userId, userIds or topic)' });
    expect(bus.size(topics.notifyEvents)).toBe(0);
  });

  it('rejects a whole batch with one bad event and lists it', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers, payload: { events: [event(), event({ id: 'bad', version: 3 })] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.rejected).toEqual([{ index: 1, id: 'bad', reason: 'unknown_version', message: 'version 3 is not supported (supported: 1)' }]);
    expect(bus.size(topics.notifyEvents)).toBe(0);
  });

  it('needs a product team’s token', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', payload: event() });
    expect(res.statusCode).toBe(401);
    expect(bus.size(topics.notifyEvents)).toBe(0);
  });

  it('caps the batch size', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers, payload: { events: [event(), event(), event(), event()] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('events: at most 3 per request (got 4)');
  });
});

/** Everything the router would refuse later is refused here, with the reason it would give. */
describe('POST /v1/events judges each event once, at the door', () => {
  const post = (payload: unknown) => server.app.inject({ method: 'POST', url: '/v1/events', headers, payload: payload as object });
  const refused = async (payload: unknown) => {
    const res = await post(payload);
    expect(bus.size(topics.notifyEvents)).toBe(0);
    return { status: res.statusCode, code: res.json().error?.code, message: res.json().error?.message as string, rejected: res.json().error?.details?.rejected };
  };

  it('refuses an event over the size a notification can carry (was 202, then dead-lettered)', async () => {
    const result = await refused(event({ payload: { blob: 'x'.repeat(300_000) } }));
    expect(result).toMatchObject({ status: 400, code: 'NOTIFY_ERR_VALIDATION', message: 'payload: is 300011 bytes as JSON; at most 24576' });
  });

  it('refuses a title or body over the content limits (was 202, then eight retries and handler_failed)', async () => {
    expect(await refused(event({ payload: { title: 't'.repeat(257) } }))).toMatchObject({ status: 400, message: 'payload.title: 257 characters; at most 256' });
    expect(await refused(event({ payload: { body: 'b'.repeat(5000) } }))).toMatchObject({ status: 400, message: 'payload.body: 5000 characters; at most 4096' });
  });

  it('refuses a type no rule matches when the event names no priority (was 202, then dead-lettered)', async () => {
    const result = await refused(event({ type: 'mystery.happened' }));
    expect(result).toMatchObject({ status: 400, rejected: [{ index: 0, id: 'evt-1', reason: 'unknown_type', message: 'no rule matches type "mystery.happened" and the event has no priority: add a rule for it or send a priority' }] });
    expect((await post(event({ type: 'mystery.happened', priority: 'transactional' }))).statusCode).toBe(202);
  });

  it('refuses nesting too deep to encode with a 400 (was a 500 and a stack overflow)', async () => {
    const body = JSON.stringify(event({ payload: { deep: 1 } })).replace('{"deep":1}', '{"deep":' + '{"next":'.repeat(20_000) + '1' + '}'.repeat(20_001));
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers: { ...headers, 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^payload\.deep(\.next)+: nested deeper than 32 levels$/);
    // 16 levels is the limit for an event: the envelope is the first, the payload the second.
    const nestedIn = (keys: string) => [...keys].reduceRight<unknown>((inner, key) => ({ [key]: inner }), 1);
    expect((await post(event({ id: 'at-the-limit', payload: nestedIn('abcdefghijklmno') }))).statusCode).toBe(202);
    const deeper = await post(event({ payload: nestedIn('abcdefghijklmnop') }));
    expect([deeper.statusCode, deeper.json().error.message]).toEqual([400, 'payload.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o: nested deeper than 16 levels']);
    expect(bus.size(topics.notifyEvents)).toBe(1); // the one at the limit
  });

  it('names a reserved key in the message (was "Body is not valid JSON")', async () => {
    const body = JSON.stringify(event()).replace('"amount":10', '"__proto__":{"isAdmin":true}');
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', headers: { ...headers, 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 'NOTIFY_ERR_VALIDATION', message: 'payload.__proto__: "__proto__" is a reserved key and may not be used' });
    expect(bus.size(topics.notifyEvents)).toBe(0);
  });
});
