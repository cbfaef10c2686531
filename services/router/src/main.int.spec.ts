import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, requireKafka, requireMongo, requireSecureKafka, startServiceProcess, uniqueName, waitFor, type ServiceProcess } from '@notify/testing';

const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
let service: ServiceProcess | undefined;
afterEach(async () => {
  await service?.stop('SIGKILL');
  service = undefined;
});

describe('router process', () => {
  it('refuses to start on bad configuration, naming every bad variable', async () => {
    service = startServiceProcess(entry, { KAFKA_BROKERS: '', MONGO_URL: 'postgres://nope', PORT: 'eighty', INTAKE_TOKENS: 'checkout:short', ADMIN_TOKENS: '' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('INTAKE_TOKENS: the secret of token "checkout" is shorter than 16 characters');
    expect(service.output()).toContain('ADMIN_TOKENS: required but not set');
    expect(service.output()).toContain('KAFKA_BROKERS: required but not set');
    expect(service.output()).toContain('MONGO_URL: must be a mongodb:// URL');
    expect(service.output()).toContain('PORT:');
  });

  it('runs alone on real Kafka and MongoDB: ready, takes events onto the intake topic, stops cleanly on SIGTERM', async () => {
    const brokers = await requireKafka();
    const mongoUrl = await requireMongo(uniqueName('router-process'));
    const prefix = uniqueName('router-process');
    const port = await freePort();
    service = startServiceProcess(entry, { KAFKA_BROKERS: brokers.join(','), MONGO_URL: mongoUrl, TOPIC_PREFIX: prefix, PORT: String(port), INTAKE_TOKENS: 'checkout:producer-secret-0123456789', ADMIN_TOKENS: 'ops:admin-secret-0123456789abcd' });
    const base = `http://127.0.0.1:${port}`;
    const ready = await waitFor('router /readyz', async () => {
      const res = await fetch(`${base}/readyz`).catch(() => undefined);
      return res?.status === 200 ? ((await res.json()) as { checks: Record<string, { ok: boolean }> }) : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(Object.keys(ready.checks).sort()).toEqual(['consumers', 'kafka', 'mongo']);

    const event: NotifyEvent = { version: 1, id: uniqueName('evt'), type: 'payment.succeeded', priority: 'transactional', to: { userId: 'alice' }, payload: {}, createdAt: new Date().toISOString() };
    const accepted = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer producer-secret-0123456789' }, body: JSON.stringify(event) });
    expect(accepted.status).toBe(202);

    // Read the topic back with an independent consumer: the event is durably on Kafka, keyed by user.
    const reader = new KafkaBus({ brokers, clientId: 'reader', service: 'test', topicPrefix: prefix, logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision: [] });
    await reader.start();
    const seen: Array<{ key: string | null; id: string }> = [];
    await reader.subscribe(topics.notifyEvents, { groupId: 'reader' }, async (m) => {
      seen.push({ key: m.key, id: m.value.id });
    });
    await waitFor('the event on notify.events', () => seen.length > 0, { timeoutMs: 20_000 });
    expect(seen).toEqual([{ key: 'alice', id: event.id }]);
    await reader.stop();

    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.output()).toContain('router stopped');
  });

  it('runs on a secured Kafka (TLS and SASL SCRAM-SHA-512) from its settings, and never prints the password', async () => {
    const secure = await requireSecureKafka();
    const port = await freePort();
    service = startServiceProcess(entry, {
      KAFKA_BROKERS: secure.brokers.join(','),
      KAFKA_SSL_CA_FILE: secure.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: secure.username,
      KAFKA_SASL_PASSWORD: secure.password,
      LOG_LEVEL: 'debug',
      MONGO_URL: await requireMongo(uniqueName('router-secure')),
      TOPIC_PREFIX: uniqueName('router-secure'),
      PORT: String(port),
      INTAKE_TOKENS: 'checkout:producer-secret-0123456789',
      ADMIN_TOKENS: 'ops:admin-secret-0123456789abcd',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('router /readyz on the secured cluster', async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 30_000, intervalMs: 200 });
    const event: NotifyEvent = { version: 1, id: uniqueName('evt'), type: 'payment.succeeded', priority: 'transactional', to: { userId: 'alice' }, payload: {}, createdAt: new Date().toISOString() };
    const accepted = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer producer-secret-0123456789' }, body: JSON.stringify(event) });
    expect(accepted.status).toBe(202);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.output()).not.toContain(secure.password);
  });

  it('refuses to start when the secured Kafka settings do not hold together, naming them', async () => {
    service = startServiceProcess(entry, {
      KAFKA_BROKERS: '127.0.0.1:9094',
      KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'notify',
      MONGO_URL: 'mongodb://127.0.0.1:27017/x',
      INTAKE_TOKENS: 'checkout:producer-secret-0123456789',
      ADMIN_TOKENS: 'ops:admin-secret-0123456789abcd',
    });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('KAFKA_SSL_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)');
    expect(service.output()).toContain('KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=scram-sha-512');
  });
});
