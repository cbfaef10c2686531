import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { intakeLaneOf, topics, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { routerEnv, startRouter } from '../test/router-process';
const FLOOD = 50_000;
/** What a transactional event may take from intake to its delivery lane while the flood is queued. */
const LATENCY_BUDGET_MS = 2000;

let router: ServiceProcess | undefined;
const buses: KafkaBus[] = [];
afterAll(async () => {
  await router?.stop('SIGKILL');
  await Promise.all(buses.map((b) => b.stop()));
});

describe('priority lanes from intake on', () => {
  it(`routes a transactional event written after ${FLOOD.toLocaleString('en-US')} marketing events within the budget`, async () => {
    const env = await routerEnv('lanes');
    const brokers = env.KAFKA_BROKERS!.split(',');
    const prefix = env.TOPIC_PREFIX!;
    const bus = (name: string) => {
      const b = new KafkaBus({ brokers, clientId: name, service: name, topicPrefix: prefix, logger: silentLogger(), metrics: createMetricsRegistry(name, { processMetrics: false }) });
      buses.push(b);
      return b;
    };
    const producer = bus('producer');
    await producer.start(); // provisions the topics

    router = (await startRouter(env)).process;

    const observer = bus('observer');
    await observer.start();
    let arrivedAt: number | undefined;
    let bulkRouted = 0;
    await observer.subscribe(topics.deliverInapp, { groupId: 'observer' }, async (m) => {
      if (m.value.eventId === 'otp-after-flood') arrivedAt = Date.now();
    });
    // Marketing is collected into digests: the router's progress through the flood shows as 'batched' decisions.
    await observer.subscribe(topics.deliveryStatus, { groupId: 'observer', partitionsConcurrently: 8 }, async (m) => {
      if (m.value.status === 'batched') bulkRouted++;
    });

    // The producers' side: each event goes to the intake lane its priority names; keys spread over many users.
    const event = (id: string, userId: string, priority: NotifyEvent['priority']): NotifyEvent => ({ version: 1, id, type: priority === 'marketing' ? 'promo.weekly' : 'auth.otp', to: { userId }, priority, payload: { title: id }, createdAt: new Date().toISOString() });
    const floodStarted = Date.now();
    for (let i = 0; i < FLOOD; i += 2000) {
      const batch = Array.from({ length: Math.min(2000, FLOOD - i) }, (_, j) => event(`promo-${i + j}`, `user-${(i + j) % 5000}`, 'marketing'));
      await producer.publish(topics.notifyEventsBulk, batch.map((value) => ({ value })));
    }
    const floodWrittenMs = Date.now() - floodStarted;
    // Send it while the router is busy with the flood, not before the flood has started moving.
    await waitFor('the router to be working through the flood', () => bulkRouted >= 200, { timeoutMs: 60_000, intervalMs: 10 });
    const bulkRoutedWhenSent = bulkRouted;
    const otp = event('otp-after-flood', 'user-42', 'transactional');
    expect(intakeLaneOf(otp.priority)).toBe('default');
    const sentAt = Date.now();
    await producer.publish(topics.notifyEvents, [{ value: otp }]);

    await waitFor('the transactional event on deliver.inapp', () => arrivedAt !== undefined, { timeoutMs: 30_000, intervalMs: 5 });
    const latencyMs = arrivedAt! - sentAt;
    const bulkRoutedWhenItArrived = bulkRouted;
    console.log(`flood of ${FLOOD} written in ${floodWrittenMs} ms; transactional event sent after ${bulkRoutedWhenSent} marketing events were routed, routed in ${latencyMs} ms while ${FLOOD - bulkRoutedWhenItArrived} were still queued`);
    expect(latencyMs).toBeLessThan(LATENCY_BUDGET_MS);
    // It did not wait for the flood: most of the flood was still queued when it came out.
    expect(bulkRoutedWhenItArrived).toBeLessThan(FLOOD / 2);
  }, 180_000);
});
