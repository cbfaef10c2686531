import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, startKafkaOutageProxy, startServiceProcess, uniqueName, waitFor, type KafkaOutageProxy, type ServiceProcess } from '@notify/testing';
import { producerHeaders, routerEnv, startRouter } from './router-process';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const event = (userId: string): NotifyEvent => ({ version: 1, id: uniqueName('evt'), type: 'payment.succeeded', priority: 'transactional', to: { userId }, payload: {}, createdAt: new Date().toISOString() });
const post = (base: string, body: unknown) => fetch(`${base}/v1/events`, { method: 'POST', headers: producerHeaders, body: JSON.stringify(body) });

/** The test's own client of the deployment; it creates the topics when the router has not yet. */
function testBus(brokers: string[], prefix: string): KafkaBus {
  return new KafkaBus({ brokers, clientId: 'test', service: 'test', topicPrefix: prefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
}

describe('router through outages and restarts', () => {
  it('answers 503 NOTIFY_ERR_UNAVAILABLE within ROUTER_INTAKE_TIMEOUT_MS while Kafka is unreachable, is not ready, and takes events again once it is back', async () => {
    const env = await routerEnv('router-outage');
    const proxy: KafkaOutageProxy = await startKafkaOutageProxy();
    cleanups.push(() => proxy.close());
    const router = await startRouter({ ...env, KAFKA_BROKERS: proxy.brokers.join(','), ROUTER_INTAKE_TIMEOUT_MS: '1500' });
    cleanups.push(() => router.process.stop('SIGKILL'));
    const before = event('ann');
    expect((await post(router.base, before)).status).toBe(202);

    proxy.cut();
    const during = event('ann');
    const started = Date.now();
    const refused = await post(router.base, during);
    const waitedMs = Date.now() - started;
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NOTIFY_ERR_UNAVAILABLE');
    expect(body.error.message).toContain('within 1500 ms');
    // The timeout plus a little: not the 13–15 s of the client's own retries.
    expect(waitedMs).toBeGreaterThanOrEqual(1400);
    expect(waitedMs).toBeLessThan(3000);
    const readiness = await fetch(`${router.base}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as { checks: Record<string, { ok: boolean }> }).checks.kafka!.ok).toBe(false);

    proxy.restore();
    const after = event('ann');
    await waitFor('intake to take events again', async () => (await post(router.base, after)).status === 202, { timeoutMs: 40_000, intervalMs: 500 });

    // Both accepted events are on the intake topic, read back over the broker's ordinary listener.
    const reader = testBus(env.KAFKA_BROKERS!.split(','), env.TOPIC_PREFIX!);
    await reader.start();
    cleanups.push(() => reader.stop());
    const seen = new Set<string>();
    await reader.subscribe(topics.notifyEvents, { groupId: 'reader' }, async (m) => void seen.add(m.value.id));
    await waitFor('the accepted events on notify.events', () => seen.has(before.id) && seen.has(after.id), { timeoutMs: 20_000 });
  }, 90_000);

  it('restarted after kill -9, answers /healthz at once, is ready once it has rejoined its groups (under a session timeout), takes its groups back and routes what came in meanwhile', async () => {
    const env = await routerEnv('router-restart');
    const port = await freePort(); // the same port after the restart: the same instance name
    const bus = testBus(env.KAFKA_BROKERS!.split(','), env.TOPIC_PREFIX!);
    await bus.start();
    cleanups.push(() => bus.stop());
    const pushed = new Set<string>();
    await bus.subscribe(topics.deliverPushTransactional, { groupId: 'test-pushes' }, async (m) => void pushed.add(m.value.eventId));

    const first = await startRouter(env, port);
    cleanups.push(() => first.process.stop('SIGKILL'));
    const admin = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const groupsOf = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`${env.TOPIC_PREFIX}.`)).sort();
    const groupsBefore = await groupsOf();
    expect(groupsBefore.length).toBeGreaterThan(3);

    await first.process.stop('SIGKILL');
    // Sent while no router runs: the restarted one routes it.
    const meanwhile = event('bea');
    await bus.publish(topics.notifyEvents, [{ value: meanwhile }]);

    const spawned = Date.now();
    const second: ServiceProcess = startServiceProcess(entry, { ...env, PORT: String(port) });
    cleanups.push(() => second.stop('SIGKILL'));
    const base = `http://127.0.0.1:${port}`;
    const answers = async (path: string) => (await fetch(`${base}${path}`).catch(() => undefined))?.status;
    await waitFor('/healthz after the restart', async () => (await answers('/healthz')) === 200, { timeoutMs: 30_000, intervalMs: 50 });
    const healthyAfterMs = Date.now() - spawned;
    const notReadyYet = await fetch(`${base}/readyz`);
    await waitFor('/readyz after the restart', async () => (await answers('/readyz')) === 200, { timeoutMs: 40_000, intervalMs: 100 });
    const readyAfterMs = Date.now() - spawned;
    await waitFor('the event sent while the router was down, routed', () => pushed.has(meanwhile.id), { timeoutMs: 20_000 });
    const routedAfterMs = Date.now() - spawned;
    console.log(`router restart after kill -9 (KAFKA_SESSION_TIMEOUT_MS default): /healthz after ${healthyAfterMs} ms, /readyz after ${readyAfterMs} ms, backlog routed after ${routedAfterMs} ms`);

    // HTTP answers as soon as the process runs; readiness waits for the groups (the dead member's
    // session, 10 s by default, is what a restart waits out).
    expect(healthyAfterMs).toBeLessThan(8000);
    expect(notReadyYet.status).toBe(503);
    expect(((await notReadyYet.json()) as { checks: Record<string, { ok: boolean }> }).checks.consumers!.ok).toBe(false);
    expect(readyAfterMs).toBeLessThan(25_000);
    // The same groups as before: a restart leaves none behind.
    expect(await groupsOf()).toEqual(groupsBefore);
  }, 120_000);
});
