import { afterEach, describe, expect, it } from 'vitest';
import { kafkaSecurityOf, type KafkaSaslMechanism } from '@notify/config';
import { topics, type DeliveryStatus } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { requireSecureKafka, uniqueName, waitFor } from '@notify/testing';
import { createBus } from '../create-bus';
import type { Bus } from '../types';

/**
 * A secured cluster, as managed Kafka services run one: the local broker's TLS listener (certificate
 * from the CA `infra:up` makes) with SASL, reached through the same settings a process reads
 * (KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD).
 */
describe('Kafka over TLS with SASL', () => {
  const buses: Bus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.stop().catch(() => undefined)));
  });

  async function secureBus(settings: { mechanism: KafkaSaslMechanism; password?: string; caFile?: string | null }): Promise<Bus> {
    const secure = await requireSecureKafka();
    const security = kafkaSecurityOf({
      ...(settings.caFile === null ? { kafkaSsl: true } : { kafkaSslCaFile: settings.caFile ?? secure.caFile }),
      kafkaSaslMechanism: settings.mechanism,
      kafkaSaslUsername: secure.username,
      kafkaSaslPassword: settings.password ?? secure.password,
    });
    const bus = createBus({ service: 'secure-test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), kafkaBrokers: secure.brokers, topicPrefix: uniqueName('secure'), kafkaSecurity: security });
    buses.push(bus);
    return bus;
  }

  for (const mechanism of ['scram-sha-512', 'scram-sha-256', 'plain'] as const) {
    it(`publishes and consumes with SASL ${mechanism}`, async () => {
      const bus = await secureBus({ mechanism });
      await bus.start();
      // A topic of the catalogue, which the bus provisions on start over the same connection.
      const received: DeliveryStatus[] = [];
      await bus.subscribe(topics.deliveryStatus, { groupId: 'secure' }, async (m) => void received.push(m.value));
      const sent: DeliveryStatus[] = Array.from({ length: 20 }, (_, i) => ({ version: 1, eventId: `${mechanism}-${i}`, userId: `u${i % 4}`, status: 'accepted', service: 'secure-test', at: new Date().toISOString() }));
      await bus.publish(topics.deliveryStatus, sent.map((value) => ({ value })));
      await waitFor('every message back', () => received.length >= sent.length, { timeoutMs: 30_000 });
      expect(received.map((m) => m.eventId).sort()).toEqual(sent.map((m) => m.eventId).sort());
      await expect(bus.ping()).resolves.toBeUndefined(); // what /readyz asks
    }, 60_000);
  }

  it('refuses a wrong password, saying so without the password', async () => {
    const password = 'not-the-password-4c1f9';
    const bus = await secureBus({ mechanism: 'scram-sha-512', password });
    const error = await bus.start().then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/authentication failed/i);
    expect(error?.message).not.toContain(password);
  }, 60_000);

  it('refuses a broker whose certificate it cannot verify (the local CA not given)', async () => {
    const bus = await secureBus({ mechanism: 'scram-sha-512', caFile: null });
    const error = await bus.start().then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/certificate/i);
  }, 60_000);

  it('stops start-up naming the setting when a file cannot be read or a credential is missing', () => {
    expect(() => kafkaSecurityOf({ kafkaSslCaFile: '/nonexistent/ca.pem', kafkaSaslMechanism: 'plain', kafkaSaslUsername: 'notify', kafkaSaslPassword: 'p4ss-secret' })).toThrow(/KAFKA_SSL_CA_FILE: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
    expect(() => kafkaSecurityOf({ kafkaSaslMechanism: 'scram-sha-512', kafkaSaslUsername: 'notify' })).toThrow(/KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=scram-sha-512/);
    expect(() => kafkaSecurityOf({ kafkaSaslUsername: 'notify', kafkaSaslPassword: 'p4ss-secret' })).toThrow(/KAFKA_SASL_MECHANISM: required/);
    expect(kafkaSecurityOf({})).toBeUndefined();
    // SASL always goes over TLS: the password never crosses the network in the clear.
    expect(kafkaSecurityOf({ kafkaSaslMechanism: 'plain', kafkaSaslUsername: 'u', kafkaSaslPassword: 'p' })).toEqual({ ssl: { rejectUnauthorized: true }, sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
  });
});

