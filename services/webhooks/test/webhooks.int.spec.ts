import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '@notify/testing';
import { Receiver } from './receiver';
import { adminToken, billingToken, shopToken, startWebhooks, status, type WebhooksUnderTest } from './webhooks-harness';

let service: WebhooksUnderTest;
const receivers: Receiver[] = [];
const endpoints: string[] = [];
let testNo = 0;

beforeAll(async () => {
  service = await startWebhooks();
});
afterEach(async () => {
  for (const id of endpoints.splice(0)) await service.api('DELETE', `/v1/webhooks/endpoints/${id}`, adminToken);
  for (const r of receivers.splice(0)) await r.stop();
});
afterAll(async () => {
  await service?.stop();
});

/** A receiver and an endpoint for it; the statuses of this test carry an event type no other test uses. */
async function endpointFor(token: string, body: Record<string, unknown> = {}) {
  const receiver = await new Receiver().start();
  receivers.push(receiver);
  const type = `test${++testNo}.order.paid`;
  const res = await service.api('POST', '/v1/webhooks/endpoints', token, { url: receiver.url, eventTypes: [`test${testNo}.*`], ...body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  endpoints.push(res.json.id);
  receiver.secret = res.json.secret;
  return { receiver, endpoint: res.json as { id: string; secret: string }, type, typed: (s: ReturnType<typeof status>) => ({ ...s, eventType: type }) };
}

const deliveries = async (endpointId: string, query = '') => (await service.api('GET', `/v1/webhooks/endpoints/${endpointId}/deliveries${query}`, adminToken)).json;

describe('webhook delivery (Kafka, FerretDB, a real receiver)', () => {
  it('delivers each wanted status once, signed (verified by the reference library), with an id the receiver can dedupe on', async () => {
    const { receiver, endpoint, typed } = await endpointFor(adminToken, { statuses: ['delivered', 'failed'] });
    const wanted = typed(status('e1a:alice', 'delivered'));
    await service.publish(typed(status('e1a:alice', 'sent')), wanted, typed(status('e1b:bob', 'failed', { reason: 'no device' })));
    // The same status again (a producer's retry, a redelivered message): the same delivery, nothing new.
    await service.publish(wanted);
    await waitFor('two deliveries', () => receiver.accepted.length >= 2);
    await sleep(300);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(receiver.received.map((r) => (r.body as { type: string }).type).sort()).toEqual(['notification.delivered', 'notification.failed']);
    expect(receiver.received.find((r) => (r.body as { type: string }).type === 'notification.delivered')!.body).toEqual({ type: 'notification.delivered', timestamp: wanted.at, data: wanted });
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(2);
    const listed = await deliveries(endpoint.id);
    expect(listed.deliveries).toHaveLength(2);
    expect(listed.deliveries.every((d: { state: string; attempts: number }) => d.state === 'delivered' && d.attempts === 1)).toBe(true);
    expect(await service.counter('notify_webhook_deliveries_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(2);
  });

  it('retries a receiver that fails the first attempts, with the same webhook-id, and delivers once', async () => {
    const { receiver, endpoint, typed } = await endpointFor(shopToken);
    receiver.script = { failFirst: { attempts: 2, status: 503 } };
    await service.sentBy('shop', 'e2');
    await service.publish(typed(status('e2:alice', 'delivered')));
    await waitFor('the third attempt', () => receiver.accepted.length === 1);
    expect(receiver.received.map((r) => r.answered)).toEqual([503, 503, 200]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    // The receiver answers before the outcome is written: wait for the store.
    const delivery = await waitFor('the delivery recorded', async () => (await deliveries(endpoint.id, '?state=delivered')).deliveries[0]);
    expect(delivery).toMatchObject({ id: receiver.received[0]!.id, state: 'delivered', attempts: 3, lastStatusCode: 200 });
  });

  it('retries a receiver slower than the timeout', async () => {
    const { receiver, endpoint, typed } = await endpointFor(adminToken);
    receiver.script = { delayMs: 1000, delayFirstOnly: true };
    await service.publish(typed(status('e3:alice', 'read')));
    await waitFor('an answer in time, and the slow one over', () => receiver.accepted.length === 1 && receiver.received.every((r) => r.answered !== 'waiting'));
    expect(receiver.received.map((r) => r.answered)).toEqual(['too slow', 200]);
    expect(receiver.received[0]!.id).toBe(receiver.received[1]!.id);
    expect(await waitFor('the delivery recorded', async () => (await deliveries(endpoint.id, '?state=delivered')).deliveries[0])).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('loses nothing while the receiver is gone, and keeps each notification’s statuses in order', async () => {
    const { receiver, typed } = await endpointFor(adminToken);
    await receiver.stop();
    const kinds = ['routed', 'sent', 'delivered', 'seen', 'read'] as const;
    const published = ['e4a:alice', 'e4b:bob', 'e4c:carol'].flatMap((n) => kinds.map((k) => typed(status(n, k))));
    await service.publish(...published);
    await sleep(800);
    await receiver.restart();
    // Every first attempt after the comeback fails once more, so retries and order interleave.
    receiver.script = { failFirst: { attempts: 1, status: 500 } };
    await waitFor('every status delivered', () => new Set(receiver.accepted.map((r) => r.id)).size === published.length, { timeoutMs: 15_000 });
    expect(receiver.accepted).toHaveLength(published.length);
    for (const n of ['e4a:alice', 'e4b:bob', 'e4c:carol']) {
      const order = receiver.accepted.map((r) => (r.body as { data: { notificationId: string; status: string } }).data).filter((d) => d.notificationId === n);
      expect(order.map((d) => d.status), n).toEqual([...kinds]);
    }
  });

  it('parks a delivery as failed after the retry window, shows why, and sends it again when asked', async () => {
    const { receiver, endpoint, typed } = await endpointFor(adminToken);
    receiver.script = { always: 500 };
    await service.publish(typed(status('e5:alice', 'failed')));
    const parked = await waitFor('the delivery parked', async () => (await deliveries(endpoint.id, '?state=failed')).deliveries[0], { timeoutMs: 10_000 });
    expect(parked).toMatchObject({ state: 'failed', lastStatusCode: 500, lastError: 'HTTP 500: not now' });
    expect(parked.attempts).toBeGreaterThan(3);
    expect(receiver.received).toHaveLength(parked.attempts);
    expect((await deliveries(endpoint.id, '?state=pending')).deliveries).toEqual([]);
    receiver.script = {};
    const retried = await service.api('POST', `/v1/webhooks/endpoints/${endpoint.id}/deliveries/${parked.id}/retry`, adminToken);
    expect(retried.status).toBe(202);
    await waitFor('delivered after the retry', () => receiver.accepted.length === 1);
    expect(receiver.accepted[0]!.id).toBe(parked.id);
    expect((await service.api('POST', `/v1/webhooks/endpoints/${endpoint.id}/deliveries/${parked.id}/retry`, adminToken)).status).toBe(409);
  });

  it('batches for an endpoint that asks: arrays in order, each batch with an id of its own', async () => {
    const { receiver, endpoint, typed } = await endpointFor(adminToken, { batch: { maxSize: 4, maxWaitMs: 300 } });
    const published = Array.from({ length: 10 }, (_, i) => typed(status('e6:alice', i % 2 === 0 ? 'sent' : 'delivered', { reason: `step ${i}` })));
    await service.publish(...published);
    await waitFor('every status in a batch', () => receiver.accepted.flatMap((r) => r.body as unknown[]).length === 10);
    expect(receiver.accepted.map((r) => (r.body as unknown[]).length)).toEqual([4, 4, 2]);
    expect(receiver.accepted.flatMap((r) => (r.body as Array<{ data: { reason: string } }>).map((p) => p.data.reason))).toEqual(published.map((s) => s.reason));
    expect(receiver.accepted.every((r) => r.verified && r.id.startsWith('msg_b'))).toBe(true);
    expect(new Set(receiver.accepted.map((r) => r.id)).size).toBe(3);
    await waitFor('every member recorded delivered', async () => (await deliveries(endpoint.id, '?state=delivered&limit=200')).deliveries.length === 10);
  });

  it('gives a producer’s endpoint only the events that producer sent, and hides it from other producers', async () => {
    const shop = await endpointFor(shopToken);
    const billing = await service.api('GET', `/v1/webhooks/endpoints/${shop.endpoint.id}`, billingToken);
    expect(billing.status).toBe(404);
    expect((await service.api('GET', '/v1/webhooks/endpoints', billingToken)).json.endpoints.map((e: { id: string }) => e.id)).not.toContain(shop.endpoint.id);
    await service.sentBy('shop', 'e7own');
    await service.sentBy('billing', 'e7other');
    await service.publish(shop.typed(status('e7other:alice', 'delivered')), shop.typed(status('e7own:alice', 'delivered')), shop.typed(status('e7none:alice', 'delivered')));
    await waitFor('the shop’s own event', () => shop.receiver.accepted.length === 1);
    await sleep(400);
    expect(shop.receiver.received.map((r) => (r.body as { data: { eventId: string } }).data.eventId)).toEqual(['e7own']);
  });

  it('sends a test event, and disables an endpoint that answers 410 Gone', async () => {
    const { receiver, endpoint } = await endpointFor(adminToken);
    const test = await service.api('POST', `/v1/webhooks/endpoints/${endpoint.id}/test`, adminToken);
    expect(test.status).toBe(202);
    await waitFor('the test event', () => receiver.accepted.length === 1);
    expect(receiver.accepted[0]).toMatchObject({ id: test.json.id, verified: true, body: { type: 'webhook.test', data: { endpointId: endpoint.id } } });
    receiver.script = { always: 410 };
    await service.api('POST', `/v1/webhooks/endpoints/${endpoint.id}/test`, adminToken);
    await waitFor('disabled', async () => (await service.api('GET', `/v1/webhooks/endpoints/${endpoint.id}`, adminToken)).json.disabled);
    const after = receiver.received.length;
    await sleep(400);
    expect(receiver.received).toHaveLength(after);
    expect((await service.api('GET', `/v1/webhooks/endpoints/${endpoint.id}`, adminToken)).json.disabledReason).toMatch(/410 Gone/);
  });

  it('keeps a live endpoint fast while another hangs on every request, and shows the backlog', async () => {
    const dead = await endpointFor(adminToken);
    dead.receiver.script = { delayMs: 10_000 };
    const live = await endpointFor(adminToken);
    await service.publish(...Array.from({ length: 40 }, (_, i) => dead.typed(status(`e9dead${i}:u${i}`, 'sent'))));
    await waitFor('the hanging endpoint busy', () => dead.receiver.received.length >= 8);
    const started = Date.now();
    await service.publish(...Array.from({ length: 5 }, (_, i) => live.typed(status(`e9live${i}:u${i}`, 'delivered'))));
    await waitFor('the live endpoint served', () => live.receiver.accepted.length === 5);
    const took = Date.now() - started;
    expect(took).toBeLessThan(1500);
    expect(await service.counter('notify_webhook_backlog')).toBeGreaterThanOrEqual(32);
    await waitFor('the hanging requests timed out', async () => (await service.counter('notify_webhook_attempts_total', { result: 'timeout' })) >= 8);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const answer = await fetch(`${service.url}/openapi.json`);
    const openapi = (await answer.json()) as { paths: Record<string, unknown> };
    expect(answer.status, JSON.stringify(openapi).slice(0, 300)).toBe(200);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/webhooks/endpoints', '/v1/webhooks/endpoints/{endpointId}/deliveries']));
  });
});
