import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { sleep, waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders, producerHeaders, routerEnv, startRouter as startRouterProcess } from '../../test/router-process';

const processes: ServiceProcess[] = [];
let observer: KafkaBus | undefined;
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await observer?.stop();
});

async function startRouter(env: Record<string, string>): Promise<{ base: string; process: ServiceProcess }> {
  const started = await startRouterProcess({ ...env, ROUTER_DIGEST_TICK_MS: '200' });
  processes.push(started.process);
  return started;
}

describe('digest durability', () => {
  it('loses no item and sends no digest twice when the router that batched them is killed (SIGKILL)', async () => {
    // The broker's minimum: the killed router's partitions move to the new one after 6 s.
    const env: Record<string, string> = { ...(await routerEnv('digests')), KAFKA_SESSION_TIMEOUT_MS: '6000' };
    observer = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'observer', service: 'observer', topicPrefix: env.TOPIC_PREFIX, logger: silentLogger(), metrics: createMetricsRegistry('o', { processMetrics: false }) });
    await observer.start();
    const batched: DeliveryStatus[] = [];
    const digests: Notification[] = [];
    await observer.subscribe(topics.deliveryStatus, { groupId: 'observer' }, async (m) => void (m.value.status === 'batched' && batched.push(m.value)));
    await observer.subscribe(topics.deliverPushBulk, { groupId: 'observer' }, async (m) => void digests.push(m.value));

    const t0 = Date.now();
    const mark = (what: string) => console.log(`${what}: ${Date.now() - t0} ms`);
    const first = await startRouter(env);
    mark('first router ready');
    const rule = { ruleId: 'offers', name: 'Offers in a digest', definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 6000, maxItems: 50, title: '{{count}} new offers' } } } };
    expect((await fetch(`${first.base}/v1/admin/rules`, { method: 'POST', headers: adminHeaders, body: JSON.stringify(rule) })).status).toBe(201);
    const offer = (id: string, userId: string) => ({ version: 1, id, type: 'promo.weekly', to: { userId }, payload: { title: `offer ${id}` }, createdAt: new Date().toISOString() });
    const events = [offer('a1', 'alice'), offer('a2', 'alice'), offer('a3', 'alice'), offer('b1', 'bob'), offer('b2', 'bob')];
    const accepted = await fetch(`${first.base}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify({ events }) });
    expect(accepted.status).toBe(202);
    mark('events accepted');
    await waitFor('all five batched', () => batched.length >= 5, { timeoutMs: 60_000 });
    mark('all batched');
    expect(digests).toEqual([]);

    await first.process.stop('SIGKILL');
    await startRouter(env);
    mark('second router ready');
    await waitFor('both digests', () => digests.length >= 2, { timeoutMs: 60_000 });
    mark('digests sent');
    await sleep(2000); // room for a second copy to show up, if there were one
    expect(digests).toHaveLength(2);
    const byUser = Object.fromEntries(digests.map((d) => [d.userId, d]));
    expect(byUser.alice).toMatchObject({ content: { title: '3 new offers' }, digest: { count: 3, eventIds: ['a1', 'a2', 'a3'] } });
    expect(byUser.bob).toMatchObject({ content: { title: '2 new offers' }, digest: { count: 2, eventIds: ['b1', 'b2'] } });
  }, 180_000);
});
