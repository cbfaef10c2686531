import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { topics } from '@notify/contracts';
import { describeBusContract, type KillableConsumer } from '../contract/bus.contract';
import { contractTopic } from '../contract/contract-topic';
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
