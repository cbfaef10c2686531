import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { topics } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { requireKafka, uniqueName, waitFor } from '@notify/testing';
import { describeBusContract, type KillableConsumer } from '../contract/bus.contract';
import { contractMessages, contractTopic } from '../contract/contract-topic';
import { KafkaBus } from './kafka-bus';

// The broker's minimum: a killed consumer's partitions move after this long.
const SESSION_TIMEOUT_MS = 6000;
const fixture = fileURLToPath(new URL('../../test/fixtures/killable-consumer.ts', import.meta.url));

describeBusContract('kafka', {
  failoverTimeoutMs: SESSION_TIMEOUT_MS * 2,
  async newWorld() {
    const brokers = await requireKafka();
    const topicPrefix = uniqueName('contract');
    const buses: KafkaBus[] = [];
    const children: Array<ReturnType<typeof spawn>> = [];
    const newBus = async () => {
      const bus = new KafkaBus({
        brokers,
        clientId: 'contract',
        service: 'contract-test',
        topicPrefix,
        logger: silentLogger(),
        metrics: createMetricsRegistry('test', { processMetrics: false }),
        provision: [contractTopic, topics.notifyDlq],
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      });
      await bus.start();
      buses.push(bus);
      return bus;
    };
    await newBus(); // provisions the world's topics
    return {
      bus: newBus,
      async startKillableConsumer(groupId, hangAfter): Promise<KillableConsumer> {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
          env: { ...process.env, BROKERS: brokers.join(','), TOPIC_PREFIX: topicPrefix, GROUP_ID: groupId, HANG_AFTER: String(hangAfter), SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        const processed: string[] = [];
        let buffered = '';
        let ready!: () => void;
        const isReady = new Promise<void>((resolve) => (ready = resolve));
        child.stdout!.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            if (line === 'READY') ready();
            else if (line) processed.push(line);
          }
        });
        child.once('exit', () => ready());
        await isReady;
        return {
          processedIds: () => processed,
          kill: async () => {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGKILL');
            await exited;
          },
        };
      },
      async close() {
        for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
        await Promise.all(buses.map((b) => b.stop()));
      },
    };
  },
});

describe('kafka process groups (commitOffsets: false)', () => {
  it('keep no position, so every start reads the whole topic again, and are deleted when the subscription stops', async () => {
    const brokers = await requireKafka();
    const topicPrefix = uniqueName('process-group');
    const bus = new KafkaBus({ brokers, clientId: 'test', service: 'test', topicPrefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision: [contractTopic, topics.notifyDlq] });
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await Promise.all([bus.start(), admin.connect()]);
    try {
      await bus.publish(contractTopic, contractMessages(40, 8).map((value) => ({ value })));
      const readAll = async () => {
        const seen = new Set<string>();
        const subscription = await bus.subscribe(contractTopic, { groupId: 'view-replica-1', fromBeginning: true, commitOffsets: false, partitionsConcurrently: 8 }, async (m) => void seen.add(m.value.id));
        await waitFor('the whole topic', () => seen.size === 40, { timeoutMs: 20_000 });
        await subscription.stop();
        return seen.size;
      };
      const groupExists = async () => (await admin.listGroups()).groups.some((g) => g.groupId === `${topicPrefix}.view-replica-1.${contractTopic.name}`);
      expect(await readAll()).toBe(40);
      expect(await groupExists()).toBe(false);
      // The same group again (a restart under the same instance name) starts from the beginning, not from a committed end.
      expect(await readAll()).toBe(40);
      expect(await groupExists()).toBe(false);
    } finally {
      await admin.disconnect();
      await bus.stop();
    }
  });
});

describe('kafka consumers that cannot work', () => {
  it('fail the subscription with the broker\'s reason, and the bus is no longer healthy', async () => {
    const brokers = await requireKafka();
    const topicPrefix = uniqueName('dead-consumer');
    // Below the broker's group.min.session.timeout.ms (6 s): the group refuses the member for good.
    const bus = new KafkaBus({ brokers, clientId: 'test', service: 'test', topicPrefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision: [contractTopic, topics.notifyDlq], sessionTimeoutMs: 3000 });
    await bus.start();
    try {
      await bus.ping();
      const started = Date.now();
      await expect(bus.subscribe(contractTopic, { groupId: 'refused' }, async () => undefined)).rejects.toThrow(/could not join its group: .*session timeout/i);
      expect(Date.now() - started).toBeLessThan(20_000);
      await expect(bus.ping()).rejects.toThrow(/stopped/);
    } finally {
      await bus.stop();
    }
  });
});

describe('kafka consumers with a long handler', () => {
  it('stay in their group while a handler runs longer than the session timeout, so its message is handled once', async () => {
    const brokers = await requireKafka();
    const topicPrefix = uniqueName('long-handler');
    const bus = new KafkaBus({ brokers, clientId: 'test', service: 'test', topicPrefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision: [contractTopic, topics.notifyDlq], sessionTimeoutMs: SESSION_TIMEOUT_MS });
    await bus.start();
    try {
      const handled: string[] = [];
      // A push waiting out a provider's Retry-After: two and a half session timeouts inside one batch.
      await bus.subscribeBatch(contractTopic, { groupId: 'slow', partitionsConcurrently: 8 }, async (batch) => {
        for (const m of batch) handled.push(m.value.id);
        if (handled.length === 1) await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS * 2.5));
      });
      await bus.publish(contractTopic, contractMessages(1, 1, 'slow').map((value) => ({ value })));
      await waitFor('the message handled', () => handled.length >= 1, { timeoutMs: 20_000 });
      // Evicted, the member would rejoin after the handler, fail to commit, and be handed the message again.
      await new Promise((r) => setTimeout(r, SESSION_TIMEOUT_MS * 2.5 + SESSION_TIMEOUT_MS * 1.5));
      expect(handled).toEqual(['slow-0']);
    } finally {
      await bus.stop();
    }
  }, 60_000);
});
