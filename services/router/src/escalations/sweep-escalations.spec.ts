import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type EscalationStep, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { ladderOf } from './escalation-ladder';
import { sweepEscalations } from './sweep-escalations';

const t0 = new Date('2026-12-02T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const steps: EscalationStep[] = [
  { afterMs: 60_000, unless: 'read', to: 'push' },
  { afterMs: 600_000, unless: 'read', to: 'webhook' },
];
const notification = (id: string, userId = 'alice'): Notification => ({ version: 1, notificationId: `${id}:${userId}`, eventId: id, userId, type: 'payment.failed', priority: 'critical', content: { title: `about ${id}`, data: {} }, createdAt: t0.toISOString() });
const options = { batchSize: 100, leaseMs: 30_000 };

let store: Store;
let bus: MemoryBus;
let pushes: string[];
let escalated: DeliveryStatus[];

beforeEach(async () => {
  store = createMemoryStore();
  bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
  await bus.start();
  pushes = [];
  escalated = [];
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 't' }, async (m) => void pushes.push(m.value.notificationId));
  await bus.subscribe(topics.deliveryStatus, { groupId: 't' }, async (m) => void (m.value.status === 'escalated' && escalated.push(m.value)));
});

/** Starts ladders as routing does, with the notification stored in the inbox as a gateway does. */
async function routed(...ids: string[]) {
  for (const id of ids) {
    const n = notification(id);
    await store.inbox.append({ notificationId: n.notificationId, userId: n.userId, eventId: n.eventId, type: n.type, priority: n.priority, content: n.content, createdAt: t0 });
    await store.escalations.startMany([ladderOf(n, steps, { lane: 'default', partition: 0 }, 'urgent', t0)]);
  }
}
const sweepAt = (ms: number, partitions = [0]) => sweepEscalations({ bus, escalations: store.escalations, inbox: store.inbox, now: () => at(ms) }, 'default', partitions, options);
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('sweepEscalations', () => {
  it('takes nothing before its time, nor for partitions it does not own', async () => {
    await routed('e1');
    expect(await sweepAt(59_999)).toEqual({ taken: [], skipped: [] });
    expect(await sweepAt(60_000, [1])).toEqual({ taken: [], skipped: [] });
    await settle();
    expect(pushes).toEqual([]);
  });

  it('read in time: nothing escalates, and the ladder ends', async () => {
    await routed('e1');
    await store.inbox.recordStates('alice', ['e1:alice'], 'read');
    expect(await sweepAt(60_000)).toEqual({ taken: [], skipped: ['read'] });
    expect(await sweepAt(700_000)).toEqual({ taken: [], skipped: [] });
    await settle();
    expect(pushes).toEqual([]);
    expect(escalated).toEqual([]);
    expect(await store.escalations.get('e1:alice')).toMatchObject({ end: 'read' });
  });

  it('read after the push: the webhook never fires', async () => {
    await routed('e1');
    expect((await sweepAt(60_500)).taken).toEqual([{ to: 'push', lateMs: 500 }]);
    await waitFor('the push', () => pushes.length === 1 && escalated.length === 1);
    await store.inbox.recordStates('alice', ['e1:alice'], 'read');
    expect(await sweepAt(600_000)).toEqual({ taken: [], skipped: ['read'] });
    await settle();
    expect(escalated.map((s) => s.channel)).toEqual(['push']);
  });

  it('never read: every step, once each, however often it sweeps', async () => {
    await routed('e1', 'e2');
    await sweepAt(60_000);
    await sweepAt(61_000);
    await sweepAt(600_000);
    await sweepAt(601_000);
    await sweepAt(10_000_000);
    await waitFor('four steps', () => escalated.length === 4);
    await settle();
    expect(pushes.sort()).toEqual(['e1:alice', 'e2:alice']);
    expect(escalated.map((s) => `${s.notificationId} ${s.channel}`).sort()).toEqual(['e1:alice push', 'e1:alice webhook', 'e2:alice push', 'e2:alice webhook']);
    expect(await store.escalations.get('e1:alice')).toMatchObject({ end: 'completed' });
  });

  it('two routers that both believe they own the partition take each step once between them', async () => {
    await routed('e1', 'e2', 'e3');
    const results = await Promise.all([sweepAt(60_000), sweepAt(60_000), sweepAt(60_000)]);
    expect(results.flatMap((r) => r.taken)).toHaveLength(3);
    await waitFor('three pushes', () => pushes.length === 3);
    await settle();
    expect(new Set(pushes).size).toBe(3);
  });
});
