import { describe, expect, it } from 'vitest';
import { MemoryBus, TransientError } from '@notify/bus';
import { topics, type DeadLetter, type DeliveryStatus, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import { waitFor } from '@notify/testing';
import { consumeIntake } from '../handlers/intake';
import { RuleSet } from '../rules/compile';
import { PresenceView } from '../presence/presence-view';

async function harness(store = createMemoryStore(), rules = RuleSet.empty()) {
  const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
  await bus.start();
  const seen = { inapp: [] as string[], bulk: [] as string[], status: [] as DeliveryStatus[], dlq: [] as DeadLetter[] };
  await bus.subscribe(topics.deliverInapp, { groupId: 't' }, async (m) => void seen.inapp.push(m.value.notificationId));
  await bus.subscribe(topics.deliverPushBulk, { groupId: 't' }, async (m) => void seen.bulk.push(m.value.notificationId));
  await bus.subscribe(topics.deliveryStatus, { groupId: 't' }, async (m) => void seen.status.push(m.value));
  await bus.subscribe(topics.notifyDlq, { groupId: 't' }, async (m) => void seen.dlq.push(m.value));
  const view = new PresenceView();
  view.apply({ version: 1, userId: 'alice', online: true, gateways: [{ gatewayId: 'g', sockets: 1 }], devices: 1, lastSeen: new Date().toISOString(), connections: [] });
  await consumeIntake(bus, { current: rules }, store, view, store.preferences);
  return { bus, seen };
}

const event = (id: string, extra: Partial<NotifyEvent> = {}): NotifyEvent => ({ version: 1, id, type: 'x.y', to: { userId: 'alice' }, priority: 'transactional', payload: {}, createdAt: new Date().toISOString(), ...extra });

describe('intake consumers', () => {
  it('route both intake lanes and record every decision on delivery.status', async () => {
    const { bus, seen } = await harness();
    await bus.publish(topics.notifyEvents, [{ value: event('t1') }]);
    await bus.publish(topics.notifyEventsBulk, [{ value: event('m1', { priority: 'marketing' }) }]);
    await waitFor('both decided', () => seen.status.length === 2);
    expect(seen.inapp).toEqual(['t1:alice']);
    // Marketing is collected into the user's digest, not pushed one by one.
    expect(seen.bulk).toEqual([]);
    expect(seen.status.map((s) => [s.notificationId, s.status, s.channel])).toEqual(
      expect.arrayContaining([
        ['t1:alice', 'routed', 'inapp'],
        ['m1:alice', 'batched', 'push'],
      ]),
    );
    await bus.stop();
  });

  it('moves marketing that arrived on the default lane to the bulk lane (triage)', async () => {
    const { bus, seen } = await harness();
    const bulkIntake: string[] = [];
    await bus.subscribe(topics.notifyEventsBulk, { groupId: 'watch' }, async (m) => void bulkIntake.push(m.value.id));
    await bus.publish(topics.notifyEvents, [{ value: event('promo-on-default', { priority: 'marketing' }) }]);
    await waitFor('forwarded and batched', () => bulkIntake.length === 1 && seen.status.some((s) => s.status === 'batched'));
    expect(bulkIntake).toEqual(['promo-on-default']);
    expect(seen.status.map((s) => s.status)).toEqual(['batched']);
    await bus.stop();
  });

  it('routes a redelivered or replayed event id once, and records the duplicate', async () => {
    const { bus, seen } = await harness();
    // A producer retry lands on the same lane and partition as the original: handled in order.
    await bus.publish(topics.notifyEvents, [{ value: event('again') }, { value: event('again') }]);
    await waitFor('two decisions', () => seen.status.length === 2);
    // A later replay, even on the other lane, is recognised too.
    await bus.publish(topics.notifyEventsBulk, [{ value: event('again', { priority: 'marketing' }) }]);
    await waitFor('three decisions', () => seen.status.length === 3);
    expect(seen.inapp).toEqual(['again:alice']);
    expect(seen.status.map((s) => s.status).sort()).toEqual(['duplicate', 'duplicate', 'routed']);
    await bus.stop();
  });

  it('routes an event again when its writes failed after it was claimed (a retry is not a duplicate)', async () => {
    const { bus, seen } = await harness();
    // The first write of deliver.inapp fails as if Kafka were briefly away: the batch is retried whole.
    const publish = bus.publish.bind(bus);
    let failures = 1;
    bus.publish = async (topic, messages, options) => {
      if (topic.name === topics.deliverInapp.name && failures-- > 0) throw new TransientError('broker unreachable');
      return publish(topic, messages, options);
    };
    await bus.publish(topics.notifyEvents, [{ value: event('flaky-1') }, { value: event('flaky-2') }]);
    await waitFor('both routed', () => seen.inapp.length === 2);
    expect(seen.inapp).toEqual(['flaky-1:alice', 'flaky-2:alice']);
    expect(failures).toBe(-1);
    expect(seen.status.filter((s) => s.status === 'duplicate')).toEqual([]);
    await bus.stop();
  });

  it('pushes at once to an offline user, and gives an online user the socket first', async () => {
    const { bus, seen } = await harness();
    const pushed: string[] = [];
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 't' }, async (m) => void pushed.push(m.value.notificationId));
    await bus.publish(topics.notifyEvents, [{ value: event('msg-1', { to: { userIds: ['alice', 'bob'] } }) }]);
    await waitFor('routed to both', () => seen.inapp.length === 2 && pushed.length === 1);
    expect(pushed).toEqual(['msg-1:bob']);
    expect(seen.inapp.sort()).toEqual(['msg-1:alice', 'msg-1:bob']);
    await bus.stop();
  });

  it('holds a push that falls in the user’s quiet hours, and still stores the in-app copy', async () => {
    const store = createMemoryStore();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const now = Date.now();
    await store.preferences.upsert('bob', { timeZone: 'UTC', quietHours: { start: hhmm(new Date(now - 3_600_000)), end: hhmm(new Date(now + 3_600_000)) } });
    const { bus, seen } = await harness(store);
    const pushed: string[] = [];
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 't' }, async (m) => void pushed.push(m.value.notificationId));
    await bus.publish(topics.notifyEvents, [{ value: event('late-msg', { to: { userId: 'bob' } }) }]);
    await waitFor('bob’s decisions', () => seen.status.some((s) => s.status === 'held_quiet_hours'));
    expect(seen.inapp).toEqual(['late-msg:bob']);
    expect(pushed).toEqual([]);
    const [held] = await store.digests.due(new Date(now + 2 * 3_600_000), 10);
    expect(held).toMatchObject({ userId: 'bob', digestKey: 'quiet-hours', items: [{ eventId: 'late-msg' }] });
    await bus.stop();
  });

  it('caps pushes per user as a rule says, and records the capped ones', async () => {
    const now = new Date();
    const rules = RuleSet.compile([{ ruleId: 'promo-push', name: 'promo push', enabled: true, order: 1, revision: 1, createdAt: now, updatedAt: now, updatedBy: 'ops', definition: { match: { types: ['promo.*'] }, outcome: { channels: { mode: 'push_only' }, rateCap: { max: 2, per: 'day' } } } }]);
    const { bus, seen } = await harness(createMemoryStore(), rules);
    const pushed: string[] = [];
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 't' }, async (m) => void pushed.push(m.value.notificationId));
    await bus.publish(topics.notifyEvents, ['p1', 'p2', 'p3'].map((id) => ({ value: event(id, { type: 'promo.flash' }) })));
    await waitFor('three decisions', () => seen.status.length === 3);
    expect(pushed).toEqual(['p1:alice', 'p2:alice']);
    expect(seen.status.find((s) => s.status === 'rate_capped')).toMatchObject({ notificationId: 'p3:alice', reason: 'at most 2 pushes per day for rule promo-push' });
    await bus.stop();
  });

  it('sends a Live Activity update to push at once, with the update, even to an online user in quiet hours and under a digest rule', async () => {
    const store = createMemoryStore();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const now = new Date();
    await store.preferences.upsert('alice', { timeZone: 'UTC', quietHours: { start: hhmm(new Date(now.getTime() - 3_600_000)), end: hhmm(new Date(now.getTime() + 3_600_000)) } });
    const rules = RuleSet.compile([{ ruleId: 'orders-digest', name: 'orders digest', enabled: true, order: 1, revision: 1, createdAt: now, updatedAt: now, updatedBy: 'ops', definition: { match: { types: ['order.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 60_000, maxItems: 5 }, rateCap: { max: 1, per: 'day' } } } }]);
    const { bus, seen } = await harness(store, rules);
    const pushed: Array<{ id: string; push: unknown }> = [];
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 't' }, async (m) => void pushed.push({ id: m.value.notificationId, push: m.value.push }));
    const liveActivity = { activityId: 'order-42', event: 'update' as const, contentState: { stage: 'on its way', etaMinutes: 7 } };
    await bus.publish(topics.notifyEvents, ['eta-1', 'eta-2'].map((id) => ({ value: event(id, { type: 'order.eta', push: { liveActivity } }) })));
    await waitFor('both pushed', () => pushed.length === 2);
    expect(pushed).toEqual([
      { id: 'eta-1:alice', push: { liveActivity } },
      { id: 'eta-2:alice', push: { liveActivity } },
    ]);
    expect(seen.inapp).toEqual([]);
    expect(seen.bulk).toEqual([]);
    expect(seen.status.map((s) => s.status)).toEqual(['routed', 'routed']);
    await bus.stop();
  });

  it('respects opt-outs: a user who opted out of the category is not notified, and the reason is recorded', async () => {
    const store = createMemoryStore();
    await store.preferences.upsert('bob', { optOuts: [{ category: 'social', channel: 'all' }] });
    const { bus, seen } = await harness(store);
    await bus.publish(topics.notifyEvents, [{ value: event('like-1', { to: { userIds: ['alice', 'bob'] }, category: 'social' }) }]);
    await waitFor('two decisions', () => seen.status.length === 2);
    expect(seen.inapp).toEqual(['like-1:alice']);
    expect(seen.status.find((s) => s.userId === 'bob')).toMatchObject({ status: 'suppressed', reason: 'opted out of social in-app and push notifications' });
    await bus.stop();
  });

  it('dead-letters an event whose type no rule knows and that declares no priority', async () => {
    const { bus, seen } = await harness();
    await bus.publish(topics.notifyEvents, [{ value: { ...event('mystery'), priority: undefined } }, { value: event('known') }]);
    await waitFor('one routed, one dead-lettered', () => seen.inapp.length === 1 && seen.dlq.length === 1);
    expect(seen.dlq[0]).toMatchObject({ reason: 'unknown_type', message: expect.stringContaining('no rule matches type "x.y"') });
    await waitFor('the decision on the status trail', () => seen.status.some((s) => s.status === 'dead_lettered'));
    expect(seen.status.find((s) => s.status === 'dead_lettered')).toMatchObject({ eventId: 'mystery', reason: expect.stringContaining('unknown_type') });
    await bus.stop();
  });

  it('dead-letters what cannot be decoded, with the reason, and keeps going', async () => {
    const { bus, seen } = await harness();
    await bus.publishRaw(topics.notifyEvents, [{ key: 'alice', value: JSON.stringify({ ...event('nobody'), to: { userIds: [] } }) }]);
    await bus.publishRaw(topics.notifyEvents, [{ key: 'alice', value: '{"version":1,"id":"broken","to":{"userId":"alice"}}' }]);
    await bus.publish(topics.notifyEvents, [{ value: event('t2') }]);
    await waitFor('the good event and two dead letters', () => seen.inapp.length === 1 && seen.dlq.length === 2);
    expect(seen.dlq.map((d) => d.reason).sort()).toEqual(['invalid_envelope', 'no_recipient']);
    await bus.stop();
  });

  it('expands a topic into one notification per member, each in its user’s order, and a replay adds none', async () => {
    const store = createMemoryStore();
    for (const userId of ['alice', 'bob', 'carol']) await store.topics.subscribe('followers:42', userId);
    const { bus, seen } = await harness(store);
    await bus.publish(topics.notifyEvents, [{ value: event('post-1', { to: { topic: 'followers:42' } }) }]);
    await waitFor('three members notified', () => seen.inapp.length === 3);
    expect(seen.inapp.sort()).toEqual(['post-1:alice', 'post-1:bob', 'post-1:carol']);
    expect(seen.status.find((s) => s.status === 'accepted')).toMatchObject({ eventId: 'post-1', detail: { topic: 'followers:42', members: 3 } });
    await bus.publish(topics.notifyEvents, [{ value: event('post-1', { to: { topic: 'followers:42' } }) }]);
    await waitFor('the replay recognised', () => seen.status.filter((s) => s.status === 'duplicate').length === 1);
    expect(seen.inapp).toHaveLength(3);
    await bus.stop();
  });
});
