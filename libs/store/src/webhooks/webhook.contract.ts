import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { WebhookDelivery, WebhookEndpoint } from './webhook.types';

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 9, 0, s));
const endpoint = (id: string, owner: string, s = 0): WebhookEndpoint => ({
  id,
  owner,
  ownerRole: 'producer',
  url: `https://hooks.example.com/${id}`,
  statuses: ['delivered'],
  eventTypes: [],
  secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
  disabled: false,
  createdAt: at(s),
  updatedAt: at(s),
});
const delivery = (id: string, endpointId: string, chain: string, seq: string, s = 0): WebhookDelivery => ({
  id,
  endpointId,
  chain,
  seq,
  payload: { status: 'delivered', detail: { n: 1 } },
  state: 'pending',
  attempts: 0,
  nextAttemptAt: at(s),
  createdAt: at(s),
  retryFrom: at(s),
});

export function webhookContract(fixture: StoreFixture): void {
  it('keeps endpoints per owner, patches them (undefined removes a field) and deletes them with their deliveries', async () => {
    const { webhooks } = fixture.store();
    await webhooks.createEndpoint(endpoint('we_1', 'team-a', 1));
    await webhooks.createEndpoint({ ...endpoint('we_2', 'team-b', 2), batch: { maxSize: 10, maxWaitMs: 500 }, description: 'orders' });
    await expect(webhooks.createEndpoint(endpoint('we_1', 'team-a'))).rejects.toThrow();
    expect((await webhooks.listEndpoints()).map((e) => e.id)).toEqual(['we_1', 'we_2']);
    expect((await webhooks.listEndpoints({ owner: 'team-b' })).map((e) => e.id)).toEqual(['we_2']);
    expect(await webhooks.getEndpoint('we_2')).toEqual({ ...endpoint('we_2', 'team-b', 2), batch: { maxSize: 10, maxWaitMs: 500 }, description: 'orders' });
    const updated = await webhooks.updateEndpoint('we_2', { batch: undefined, statuses: ['failed', 'delivered'], previousSecret: 'whsec_b2xk', previousSecretUntil: at(9) }, at(5));
    expect(updated).toMatchObject({ statuses: ['failed', 'delivered'], previousSecret: 'whsec_b2xk', previousSecretUntil: at(9), updatedAt: at(5) });
    expect(updated).not.toHaveProperty('batch');
    expect(await webhooks.getEndpoint('we_2')).toEqual(updated);
    expect(await webhooks.updateEndpoint('we_9', { disabled: true }, at(5))).toBeNull();
    await webhooks.enqueue([delivery('d1', 'we_2', 'n1', '0001'), delivery('d2', 'we_1', 'n1', '0001')]);
    expect(await webhooks.deleteEndpoint('we_2')).toBe(true);
    expect(await webhooks.deleteEndpoint('we_2')).toBe(false);
    expect(await webhooks.getDelivery('d1')).toBeNull();
    expect(await webhooks.getDelivery('d2')).not.toBeNull();
  });

  it('writes a delivery once by id, hands pending ones out in seq order, records attempts and requeues parked ones', async () => {
    const { webhooks } = fixture.store();
    expect(await webhooks.enqueue([delivery('d2', 'we_1', 'n1', '0002', 2), delivery('d1', 'we_1', 'n1', '0001', 1), delivery('x1', 'we_2', 'n9', '0001')])).toBe(3);
    expect(await webhooks.enqueue([delivery('d1', 'we_1', 'n1', '0001', 1), delivery('d3', 'we_1', 'n2', '0003', 3)])).toBe(1);
    expect((await webhooks.pending('we_1', 10)).map((d) => d.id)).toEqual(['d1', 'd2', 'd3']);
    expect((await webhooks.pending('we_1', 2)).map((d) => d.id)).toEqual(['d1', 'd2']);
    expect((await webhooks.pending('we_1', 2, '0002')).map((d) => d.id)).toEqual(['d3']);
    await webhooks.recordAttempts([{ ids: ['d1'], result: { state: 'delivered', attempts: 1, nextAttemptAt: at(1), finishedAt: at(4), lastStatusCode: 200, lastError: undefined } }]);
    await webhooks.recordAttempts([{ ids: ['d2'], result: { state: 'failed', attempts: 5, nextAttemptAt: at(2), finishedAt: at(6), lastError: 'HTTP 503', lastStatusCode: 503 } }]);
    expect(await webhooks.getDelivery('d1')).toMatchObject({ state: 'delivered', attempts: 1, finishedAt: at(4), lastStatusCode: 200, payload: { status: 'delivered', detail: { n: 1 } } });
    expect((await webhooks.pending('we_1', 10)).map((d) => d.id)).toEqual(['d3']);
    expect(Object.fromEntries(await webhooks.backlog())).toEqual({ we_1: 1, we_2: 1 });
    expect(await webhooks.requeue('d1', at(7))).toBe(false);
    expect(await webhooks.requeue('d2', at(7))).toBe(true);
    const requeued = await webhooks.getDelivery('d2');
    expect(requeued).toMatchObject({ state: 'pending', attempts: 0, nextAttemptAt: at(7), retryFrom: at(7), createdAt: at(2), lastError: 'HTTP 503' });
    expect(requeued).not.toHaveProperty('finishedAt');
    await webhooks.recordAttempts([{ ids: ['d3'], result: { state: 'pending', attempts: 1, nextAttemptAt: at(9), retryFrom: at(8), lastError: 'timeout' } }]);
    expect(await webhooks.getDelivery('d3')).toMatchObject({ attempts: 1, nextAttemptAt: at(9), retryFrom: at(8), createdAt: at(3), lastError: 'timeout' });
    await webhooks.assignBatch(['d2', 'd3'], 'b1');
    expect((await webhooks.pending('we_1', 10)).map((d) => d.batchId)).toEqual(['b1', 'b1']);
    expect(await webhooks.sweepDeliveredBefore(at(4))).toBe(0);
    expect(await webhooks.sweepDeliveredBefore(at(5))).toBe(1);
    expect(await webhooks.getDelivery('d1')).toBeNull();
  });

  it('lists an endpoint’s deliveries newest first, by state, a page at a time', async () => {
    const { webhooks } = fixture.store();
    await webhooks.enqueue([1, 2, 3, 4, 5].map((s) => delivery(`d${s}`, 'we_1', `n${s}`, `000${s}`, s)));
    await webhooks.enqueue([delivery('d6', 'we_1', 'n6', '0006', 5)]);
    await webhooks.recordAttempts([{ ids: ['d2', 'd4'], result: { state: 'failed', attempts: 3, nextAttemptAt: at(0), finishedAt: at(9) } }]);
    const first = await webhooks.listDeliveries('we_1', { limit: 2 });
    expect(first.deliveries.map((d) => d.id)).toEqual(['d6', 'd5']);
    const second = await webhooks.listDeliveries('we_1', { limit: 2, after: first.next! });
    expect(second.deliveries.map((d) => d.id)).toEqual(['d4', 'd3']);
    const third = await webhooks.listDeliveries('we_1', { limit: 2, after: second.next! });
    expect(third.deliveries.map((d) => d.id)).toEqual(['d2', 'd1']);
    expect(third.next).toBeUndefined();
    expect((await webhooks.listDeliveries('we_1', { limit: 10, state: 'failed' })).deliveries.map((d) => d.id)).toEqual(['d4', 'd2']);
    expect((await webhooks.listDeliveries('we_2', { limit: 10 })).deliveries).toEqual([]);
    await expect(webhooks.listDeliveries('we_1', { limit: 2, after: 'nope' })).rejects.toThrow(RangeError);
  });

  it('leases a key to one holder at a time until it expires or is released', async () => {
    const { webhooks } = fixture.store();
    const lease = async (key: string, holder: string, from: Date, until: Date) => (await webhooks.lease([key], holder, from, until)).has(key);
    expect(await lease('d1', 'a', at(0), at(10))).toBe(true);
    expect(await lease('d1', 'b', at(5), at(15))).toBe(false);
    expect(await lease('d1', 'a', at(5), at(15))).toBe(true);
    expect(await lease('d1', 'b', at(16), at(26))).toBe(true);
    await webhooks.release([{ key: 'd1', until: at(15) }], 'a');
    expect(await lease('d1', 'a', at(17), at(27))).toBe(false);
    // A release names the lease as it was taken: not the same holder's lease renewed since.
    await webhooks.release([{ key: 'd1', until: at(25) }], 'b');
    expect(await lease('d1', 'a', at(17), at(27))).toBe(false);
    await webhooks.release([{ key: 'd1', until: at(26) }], 'b');
    expect(await lease('d1', 'a', at(17), at(27))).toBe(true);
    const racing = await Promise.all(['x', 'y', 'z'].map((holder) => lease('d2', holder, at(0), at(10))));
    expect(racing.filter(Boolean)).toHaveLength(1);
  });

  it('leases many keys in one call: the free ones, its own, the expired; never one another holder has', async () => {
    const { webhooks } = fixture.store();
    await webhooks.lease(['held', 'expired', 'own'], 'b', at(0), at(10));
    await webhooks.lease(['own'], 'a', at(11), at(20));
    await webhooks.lease(['held'], 'b', at(5), at(30));
    expect([...(await webhooks.lease(['free', 'held', 'expired', 'own'], 'a', at(12), at(40)))].sort()).toEqual(['expired', 'free', 'own']);
    // Two holders racing for the same keys: each key goes to exactly one.
    const [x, y] = await Promise.all(['x', 'y'].map((holder) => webhooks.lease(['k1', 'k2', 'k3', 'k4'], holder, at(0), at(10))));
    expect([...x!, ...y!].sort()).toEqual(['k1', 'k2', 'k3', 'k4']);
    await webhooks.release(['free', 'expired', 'held'].map((key) => ({ key, until: at(40) })), 'a');
    expect([...(await webhooks.lease(['free', 'expired', 'held'], 'c', at(13), at(40)))].sort()).toEqual(['expired', 'free']);
  });

  it('reads several deliveries at once and records several attempts in one write', async () => {
    const { webhooks } = fixture.store();
    await webhooks.enqueue([delivery('m1', 'we_1', 'c1', '01', 0), delivery('m2', 'we_1', 'c2', '02', 0), delivery('m3', 'we_1', 'c3', '03', 0)]);
    expect((await webhooks.getDeliveries(['m3', 'nope', 'm1'])).map((d) => d.id).sort()).toEqual(['m1', 'm3']);
    await webhooks.recordAttempts([
      { ids: ['m1', 'm2'], result: { state: 'delivered', attempts: 1, nextAttemptAt: at(1), finishedAt: at(1), lastStatusCode: 200, lastError: undefined } },
      { ids: ['m3'], result: { state: 'pending', attempts: 1, nextAttemptAt: at(9), retryFrom: at(1), lastStatusCode: 503, lastError: 'HTTP 503' } },
    ]);
    const after = new Map((await webhooks.getDeliveries(['m1', 'm2', 'm3'])).map((d) => [d.id, d]));
    expect(after.get('m1')).toMatchObject({ state: 'delivered', finishedAt: at(1), lastStatusCode: 200 });
    expect(after.get('m2')).toMatchObject({ state: 'delivered', finishedAt: at(1) });
    expect(after.get('m3')).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: at(9), retryFrom: at(1), lastError: 'HTTP 503' });
    expect(after.get('m1')!.lastError).toBeUndefined();
  });
}
