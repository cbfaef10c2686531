import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
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
