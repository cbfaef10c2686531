import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { intakeLaneOf } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
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
  registerHttpIntake(server.app, { bus, maxBatchEvents: 3, tokens: parseTokens(['checkout:producer-secret-0123456789'], 'producer'), laneOf: (e) => intakeLaneOf(e.priority) });
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
