import { describe, expect, it } from 'vitest';
import { silentLogger } from '@notify/observability';
import { createMemoryStore, type WebhookDelivery, type WebhookEndpoint } from '@notify/store';
import { Dispatcher } from './dispatcher';
import type { SendOutcome, WebhookPoster } from './http-sender';
import { newSecret } from './signing';

const t0 = new Date('2026-12-02T09:00:00Z');

function setup(answer: (id: string, body: string, n: number) => SendOutcome, endpointExtra: Partial<WebhookEndpoint> = {}, window?: number) {
  const store = createMemoryStore();
  let now = t0;
  const sent: Array<{ id: string; body: string }> = [];
  const post: WebhookPoster = async (_url, headers, body) => {
    sent.push({ id: headers['webhook-id']!, body });
    return answer(headers['webhook-id']!, body, sent.filter((s) => s.id === headers['webhook-id']).length);
  };
  const endpoint: WebhookEndpoint = { id: 'we_1', owner: 'ops', ownerRole: 'admin', url: 'https://hooks.example/x', statuses: [], eventTypes: [], secret: newSecret(), disabled: false, createdAt: t0, updatedAt: t0, ...endpointExtra };
  const dispatcher = new Dispatcher({
    webhooks: store.webhooks,
    endpoints: async () => (await store.webhooks.listEndpoints()),
    post,
    retry: { initialMs: 1000, maxMs: 8000, retryForMs: 60_000 },
    timeoutMs: 1000,
    concurrency: 8,
    perEndpointConcurrency: 4,
    pollMs: 10,
    leaseMs: 5000,
    disableOnGone: true,
    holder: 'test',
    logger: silentLogger(),
    now: () => now,
    random: () => 0.5,
    ...(window ? { window } : {}),
  });
  /** Runs passes until nothing more is sent at this time: after each, the sends it started are waited for. */
  const settle = async () => {
    for (let i = 0; i < 500; i++) {
      const before = sent.length;
      await dispatcher.pass();
      for (let wait = 0; wait < 1000 && dispatcher.sending > 0; wait++) await new Promise((r) => setTimeout(r, 1));
      if (sent.length === before) return;
    }
  };
  const delivery = (id: string, chain: string, seq: string): WebhookDelivery => ({ id, endpointId: 'we_1', chain, seq, payload: { id }, state: 'pending', attempts: 0, nextAttemptAt: t0, createdAt: t0, retryFrom: t0 });
  return { store, sent, settle, delivery, endpoint, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const ok: SendOutcome = { kind: 'answered', status: 200, ok: true };
const fail = (status: number): SendOutcome => ({ kind: 'answered', status, ok: false, error: `HTTP ${status}` });

describe('dispatcher', () => {
  it('sends a chain one at a time in order, the next only once the one before is delivered', async () => {
    const { store, sent, settle, delivery, endpoint, advance } = setup((id, _b, n) => (id === 'a1' && n === 1 ? fail(503) : ok));
    await store.webhooks.createEndpoint(endpoint);
    await store.webhooks.enqueue([delivery('a2', 'A', '2'), delivery('a1', 'A', '1'), delivery('b1', 'B', '3')]);
    await settle();
    expect(sent.map((s) => s.id).sort()).toEqual(['a1', 'b1']);
    expect(await store.webhooks.getDelivery('a1')).toMatchObject({ state: 'pending', attempts: 1, lastStatusCode: 503, nextAttemptAt: new Date(t0.getTime() + 500) });
    advance(500);
    await settle();
    expect(sent.map((s) => s.id)).toEqual(expect.arrayContaining(['a1', 'b1', 'a1', 'a2']));
    expect(sent.map((s) => s.id).slice(2)).toEqual(['a1', 'a2']);
    expect((await store.webhooks.getDelivery('a2'))!.state).toBe('delivered');
  });

  it('parks a delivery once its window, opened at the first attempt, is over', async () => {
    const { store, sent, settle, delivery, endpoint, advance } = setup(() => fail(500));
    await store.webhooks.createEndpoint(endpoint);
    await store.webhooks.enqueue([delivery('a1', 'A', '1')]);
    advance(50_000); // written long before its first attempt: the window still starts now
    for (let i = 0; i < 40; i++) {
      await settle();
      advance(8000);
    }
    const parked = await store.webhooks.getDelivery('a1');
    expect(parked).toMatchObject({ state: 'failed', lastError: 'HTTP 500', retryFrom: new Date(t0.getTime() + 50_000) });
    expect(parked!.attempts).toBe(sent.length);
    expect(parked!.finishedAt!.getTime() - parked!.retryFrom.getTime()).toBeGreaterThanOrEqual(60_000);
  });

  it('disables an endpoint that answers 410 and sends it nothing more', async () => {
    const { store, sent, settle, delivery, endpoint, advance } = setup(() => fail(410));
    await store.webhooks.createEndpoint(endpoint);
    await store.webhooks.enqueue([delivery('a1', 'A', '1'), delivery('b1', 'B', '2')]);
    await settle();
    expect((await store.webhooks.getEndpoint('we_1'))!.disabled).toBe(true);
    const count = sent.length;
    advance(10_000);
    await settle();
    expect(sent).toHaveLength(count);
  });

  it('sends a batch as one array in order, and retries it with the same id and members', async () => {
    const { store, sent, settle, delivery, endpoint, advance } = setup((_id, _b, n) => (n === 1 ? fail(502) : ok), { batch: { maxSize: 3, maxWaitMs: 1000 } });
    await store.webhooks.createEndpoint(endpoint);
    await store.webhooks.enqueue([delivery('a1', 'A', '1'), delivery('b1', 'B', '2')]);
    await settle();
    expect(sent).toEqual([]); // two of three, and the first has not waited a second
    await store.webhooks.enqueue([delivery('a2', 'A', '3'), delivery('c1', 'C', '4')]);
    await settle();
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body)).toEqual([{ id: 'a1' }, { id: 'b1' }, { id: 'a2' }]);
    advance(500);
    await settle();
    expect(sent.map((s) => s.id)).toEqual([sent[0]!.id, sent[0]!.id]);
    expect(sent[1]!.body).toBe(sent[0]!.body);
    advance(1000); // c1 alone, once it has waited maxWaitMs
    await settle();
    expect(JSON.parse(sent.at(-1)!.body)).toEqual([{ id: 'c1' }]);
  });

  it('reads past a window filled by one stuck notification to reach the others', async () => {
    const { store, sent, settle, delivery, endpoint } = setup((id) => (id.startsWith('a') ? fail(503) : ok), {}, 2);
    await store.webhooks.createEndpoint(endpoint);
    await store.webhooks.enqueue([...[1, 2, 3, 4, 5].map((i) => delivery(`a${i}`, 'A', `0${i}`)), delivery('b1', 'B', '06'), delivery('c1', 'C', '07')]);
    await settle();
    expect(sent.map((s) => s.id).sort()).toEqual(['a1', 'b1', 'c1']);
  });

  it('finds each chain’s next delivery from what it read, and merges the leases and outcomes of sends that go together', async () => {
    const { store, sent, settle, delivery, endpoint } = setup(() => ok);
    const calls = { pending: 0, lease: 0, recordAttempts: 0, release: 0 };
    for (const name of Object.keys(calls) as Array<keyof typeof calls>) {
      const real = store.webhooks[name].bind(store.webhooks) as (...args: unknown[]) => Promise<unknown>;
      (store.webhooks as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls[name]++;
        return real(...args);
      };
    }
    await store.webhooks.createEndpoint(endpoint);
    // 100 notifications, three statuses each, interleaved as they would arrive.
    const chains = Array.from({ length: 100 }, (_, c) => `N${c}`);
    await store.webhooks.enqueue([0, 1, 2].flatMap((step) => chains.map((chain, c) => delivery(`${chain}-${step}`, chain, String(step * 100 + c).padStart(4, '0')))));
    await settle();
    expect(sent).toHaveLength(300);
    for (const chain of chains) expect(sent.map((s) => s.id).filter((id) => id.startsWith(`${chain}-`))).toEqual([0, 1, 2].map((step) => `${chain}-${step}`));
    // One read of the outbox found them all; every later head came from it (before: one read per pass, ~75).
    expect(calls.pending).toBe(1);
    // Four sends at a time to the endpoint: their leases, outcomes and releases each go in one write.
    expect(calls.lease).toBeLessThanOrEqual(300 / 4 + 5);
    expect(calls.recordAttempts).toBeLessThanOrEqual(300 / 4 + 5);
    expect(calls.release).toBeLessThanOrEqual(300 / 4 + 5);
  });
});
