import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus, type Subscription } from '@notify/bus';
import { topics, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders, routerEnv, startRouter } from '../../test/router-process';
import type { LanesReport } from './lanes-report';

let router: ServiceProcess | undefined;
const buses: KafkaBus[] = [];
afterAll(async () => {
  await router?.stop('SIGKILL');
  await Promise.all(buses.map((b) => b.stop()));
});

const pushFor = (i: number): Notification => ({ version: 1, notificationId: `lag-${i}:user-${i % 20}`, eventId: `lag-${i}`, userId: `user-${i % 20}`, type: 'order.eta', priority: 'transactional', content: { data: {} }, createdAt: new Date().toISOString() });

describe('GET /v1/admin/lanes on Kafka', () => {
  it('shows a lane’s lag, from the broker’s group offsets, rising while its consumer is stopped and falling after', async () => {
    const env: Record<string, string> = { ...(await routerEnv('lanes-console')), ROUTER_LANES_SAMPLE_MS: '300' };
    const bus = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'push-stand-in', service: 'push-stand-in', topicPrefix: env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry('t', { processMetrics: false }) });
    buses.push(bus);
    await bus.start();
    const started = await startRouter(env);
    router = started.process;
    const lanes = async (): Promise<LanesReport> => {
      const response = await fetch(`${started.base}/v1/admin/lanes`, { headers: adminHeaders });
      expect(response.status).toBe(200);
      return (await response.json()) as LanesReport;
    };
    const pushLane = (report: LanesReport) => report.topics.find((t) => t.topic === 'deliver.push.transactional')!;
    const pushGroup = (report: LanesReport) => pushLane(report).groups.find((g) => g.groupId === 'push');

    // The push service's group, with the group id the push service uses.
    let handled = 0;
    const consume = () => bus.subscribeBatch(topics.deliverPushTransactional, { groupId: 'push', partitionsConcurrently: 8 }, async (batch) => void (handled += batch.length));
    let push: Subscription = await consume();
    await bus.publish(topics.deliverPushTransactional, Array.from({ length: 20 }, (_, i) => ({ value: pushFor(i) })));
    await waitFor('the push group to read the first 20', () => handled >= 20);
    await waitFor('the lanes to show the push group caught up', async () => pushGroup(await lanes())?.lag === 0, { timeoutMs: 20_000, intervalMs: 200 });
    const caughtUp = await lanes();
    expect(caughtUp.transport).toBe('kafka');
    expect(pushGroup(caughtUp)).toMatchObject({ members: 1, lag: 0 });
    // The router's own intake groups are there too, each with its lane.
    expect(caughtUp.topics.find((t) => t.topic === 'notify.events')?.groups.map((g) => g.groupId)).toContain('router');
    expect(caughtUp.topics.find((t) => t.topic === 'notify.events.bulk')).toMatchObject({ lane: 'intake (bulk)', background: true });

    await push.stop();
    await bus.publish(topics.deliverPushTransactional, Array.from({ length: 150 }, (_, i) => ({ value: pushFor(100 + i) })));
    const behind = await waitFor('the lag to show the 150 unread', async () => {
      const report = await lanes();
      return pushGroup(report)?.lag === 150 ? report : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(pushGroup(behind)?.members).toBe(0);
    expect(pushLane(behind).written).toBe(170);
    expect(pushLane(behind).writtenPerSec).toBeGreaterThan(0);

    push = await consume();
    await waitFor('the lag to fall back to 0', async () => pushGroup(await lanes())?.lag === 0, { timeoutMs: 30_000, intervalMs: 200 });
    await push.stop();
  }, 90_000);
});
