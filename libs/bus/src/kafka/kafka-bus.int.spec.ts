import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { topics } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { requireKafka, uniqueName } from '@notify/testing';
import { describeBusContract, type KillableConsumer } from '../contract/bus.contract';
import { contractTopic } from '../contract/contract-topic';
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
