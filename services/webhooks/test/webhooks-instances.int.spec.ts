import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@notify/testing';
import { Receiver } from './receiver';
import { adminToken, startWebhooks, status, type WebhooksUnderTest } from './webhooks-harness';

let instances: WebhooksUnderTest[] = [];
let receiver: Receiver;

beforeAll(async () => {
  const deployment = uniqueName('webhooks-pair');
  // A generous timeout: here a request answered but taken for timed out (a busy test machine) would be sent again, rightly, and blur what is checked.
  const options = { webhookTimeoutMs: 3000, webhookLeaseMs: 6000 };
  instances = [await startWebhooks(options, deployment), await startWebhooks(options, deployment)];
  receiver = await new Receiver().start();
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await receiver?.stop();
});

describe('two webhooks instances on one outbox', () => {
  it('never send one delivery at once, deliver each once, and keep each notification’s order', async () => {
    const [a, b] = instances as [WebhooksUnderTest, WebhooksUnderTest];
    const created = await a.api('POST', '/v1/webhooks/endpoints', adminToken, { url: receiver.url });
    expect(created.status).toBe(201);
    receiver.secret = created.json.secret;
    // Slow answers and a failed first attempt of each id keep both dispatchers busy on the same backlog.
    receiver.script = { delayMs: 30, failFirst: { attempts: 1, status: 503 } };
    const kinds = ['routed', 'sent', 'delivered', 'read'] as const;
    const notifications = Array.from({ length: 8 }, (_, i) => `pair${i}:user${i}`);
    const published = notifications.flatMap((n) => kinds.map((k) => status(n, k)));
    await a.publish(...published.slice(0, 16));
    await b.publish(...published.slice(16));
    await waitFor('every status delivered', () => new Set(receiver.accepted.map((r) => r.id)).size === published.length, { timeoutMs: 20_000 });
    expect(receiver.accepted).toHaveLength(published.length);
    expect(receiver.received).toHaveLength(2 * published.length);
    // No id was in flight twice at once: each id's two requests came one after the other.
    const byId = new Map<string, number[]>();
    for (const r of receiver.received) byId.set(r.id, [...(byId.get(r.id) ?? []), r.at]);
    for (const [, times] of byId) expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(25);
    for (const n of notifications) {
      const order = receiver.accepted.map((r) => (r.body as { data: { notificationId: string; status: string } }).data).filter((d) => d.notificationId === n);
      expect(order.map((d) => d.status), n).toEqual([...kinds]);
    }
    // The receiver answers before the sender counts: wait for the last count.
    const attempts = () => Promise.all(instances.map((i) => i.counter('notify_webhook_attempts_total')));
    await waitFor('every attempt counted', async () => (await attempts()).reduce((x, y) => x + y, 0) === 2 * published.length);
    const sent = await attempts();
    expect(sent.every((count) => count > 0)).toBe(true);
  });
});
