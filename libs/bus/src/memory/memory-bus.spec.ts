import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, silentLogger, type Registry } from '@notify/observability';
import { topics } from '@notify/contracts';
import { describeBusContract, type KillableConsumer } from '../contract/bus.contract';
import { contractMessages, contractTopic } from '../contract/contract-topic';
import { waitFor } from '@notify/testing';
import { MemoryBus } from './memory-bus';

describeBusContract('in-process', {
  failoverTimeoutMs: 0,
  async newWorld() {
    const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision: [contractTopic, topics.notifyDlq] });
    await bus.start();
    return {
      bus: async () => bus,
      async startKillableConsumer(groupId, hangAfter): Promise<KillableConsumer> {
        const processed: string[] = [];
        const subscription = await bus.subscribe(contractTopic, { groupId, partitionsConcurrently: 8 }, async (m) => {
          if (processed.length >= hangAfter) return new Promise<void>(() => {}); // stuck mid-message
          processed.push(m.value.id);
        });
        return { processedIds: () => processed, kill: async () => subscription.crash() };
      },
      close: () => bus.stop(),
    };
  },
});

describe('in-process: background subscriptions', () => {
  const busyFor = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  /** 2,000 queued messages for one group; 5 ms later one message that a second, urgent group waits for. */
  async function backlogBeforeUrgent(background: boolean): Promise<{ handledBeforeUrgent: number; handled: number }> {
    const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision: [contractTopic, topics.notifyDlq] });
    await bus.start();
    await bus.publish(contractTopic, contractMessages(2000, 500, 'backlog').map((value) => ({ value })));
    let handled = 0;
    let handledBeforeUrgent = -1;
    await bus.subscribe(contractTopic, { groupId: 'marketing', partitionsConcurrently: 8, keysConcurrently: 8, background }, async () => {
      busyFor(0.05);
      handled++;
    });
    await bus.subscribe(contractTopic, { groupId: 'urgent', fromBeginning: false }, async (m) => {
      if (m.value.id === 'urgent') handledBeforeUrgent = handled;
    });
    setTimeout(() => void bus.publish(contractTopic, [{ value: { version: 1, id: 'urgent', key: 'k1', seq: 99 } }]), 5);
    await waitFor('the urgent message and the whole backlog', () => handledBeforeUrgent >= 0 && handled === 2001, { timeoutMs: 10_000 });
    await bus.stop();
    return { handledBeforeUrgent, handled };
  }

  it('give way: an urgent message published mid-backlog is handled long before the backlog is through', async () => {
    const { handledBeforeUrgent, handled } = await backlogBeforeUrgent(true);
    expect(handled).toBe(2001);
    expect(handledBeforeUrgent).toBeLessThan(1000);
  });

  it('without it, the same backlog runs start to end first (what the check above rules out)', async () => {
    const { handledBeforeUrgent } = await backlogBeforeUrgent(false);
    expect(handledBeforeUrgent).toBe(2000);
  });
});

describe('in-process: bounded like a Kafka topic', () => {
  const heldGauge = async (metrics: Registry, topic: string) => (await metrics.getSingleMetric('notify_bus_memory_records')!.get()).values.find((v) => v.labels.topic === topic)?.value;

  it('drops what every group has read; a group joining later from the beginning starts at the first record held', async () => {
    const metrics = createMetricsRegistry('test', { processMetrics: false });
    const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics, provision: [contractTopic, topics.notifyDlq] });
    await bus.start();
    await bus.publish(contractTopic, contractMessages(2000, 40, 'old').map((value) => ({ value })));
    const first: string[] = [];
    await bus.subscribe(contractTopic, { groupId: 'first', partitionsConcurrently: 8 }, async (m) => void first.push(m.value.id));
    await waitFor('the first group to read everything', () => first.length === 2000);
    await waitFor('the records it read to be dropped', () => bus.size(contractTopic) === 0);
    expect(await heldGauge(metrics, contractTopic.name)).toBe(0);

    const late: Array<{ id: string; offset: string }> = [];
    await bus.subscribe(contractTopic, { groupId: 'late', partitionsConcurrently: 8 }, async (m) => void late.push({ id: m.value.id, offset: m.offset }));
    let stuckAfter = 5;
    const stuck = await bus.subscribe(contractTopic, { groupId: 'stuck', partitionsConcurrently: 8 }, async () => {
      if (stuckAfter-- <= 0) return new Promise<void>(() => {});
    });
    await bus.publish(contractTopic, contractMessages(1000, 40, 'new').map((value) => ({ value })));
    await waitFor('both running groups to read the new records', () => first.length === 3000 && late.length === 1000);
    expect(late.every((m) => m.id.startsWith('new-'))).toBe(true);
    // Offsets go on from where the dropped records left off.
    expect(Math.min(...late.map((m) => Number(m.offset)))).toBeGreaterThan(0);
    // The stuck group holds what it has not read, and nothing more than that.
    expect(bus.size(contractTopic)).toBeGreaterThan(900);
    expect(bus.size(contractTopic)).toBeLessThanOrEqual(1000);
    expect(await heldGauge(metrics, contractTopic.name)).toBe(bus.size(contractTopic));
    stuck.crash();
    await bus.stop();
  });

  it('keeps the latest record per key of a compacted topic, read or not', async () => {
    const metrics = createMetricsRegistry('test', { processMetrics: false });
    const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics, provision: [topics.presenceState, topics.notifyDlq] });
    await bus.start();
    for (let round = 0; round < 100; round++) await bus.publishRaw(topics.presenceState, Array.from({ length: 100 }, (_, u) => ({ key: `user-${u}`, value: JSON.stringify({ round }) })));
    // 10,000 records of 100 keys: each partition rewrites itself once half of it is superseded.
    expect(bus.size(topics.presenceState)).toBeLessThan(10_000 / 2);
    expect(bus.size(topics.presenceState)).toBeGreaterThanOrEqual(100);
    expect(await heldGauge(metrics, topics.presenceState.name)).toBe(bus.size(topics.presenceState));
    await bus.stop();
  });
});

describe('in-process: handlers in flight', () => {
  it('shows on /metrics a handler that has not returned, and how long it has run, until it returns', async () => {
    const metrics = createMetricsRegistry('test', { processMetrics: false });
    const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics, provision: [contractTopic, topics.notifyDlq] });
    await bus.start();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    await bus.subscribe(contractTopic, { groupId: 'stuck' }, async () => {
      started = true;
      await held; // a write waiting on a socket nobody answers
    });
    await bus.publish(contractTopic, contractMessages(1, 1, 'hang').map((value) => ({ value })));
    await waitFor('the handler to start', () => started);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const during = await gaugeValues(metrics);
    expect(during.inFlight).toBe(1);
    expect(during.oldestSeconds).toBeGreaterThanOrEqual(1);
    release();
    await waitFor('the handler to be counted as finished', async () => (await gaugeValues(metrics)).inFlight === 0);
    expect((await gaugeValues(metrics)).oldestSeconds).toBe(0);
    await bus.stop();
  });

  async function gaugeValues(metrics: Registry): Promise<{ inFlight: number; oldestSeconds: number }> {
    const value = async (name: string) => (await metrics.getSingleMetric(name)!.get()).values.find((v) => v.labels.group === 'stuck')?.value ?? -1;
    return { inFlight: await value('notify_bus_handlers_in_flight'), oldestSeconds: await value('notify_bus_oldest_handler_seconds') };
  }
});
