import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, requireKafka, requireSecureKafka, uniqueName, waitFor } from '@notify/testing';
import { ProducerError } from '../errors';
import { createProducer, type Producer } from '../producer';
import { intakeTopicNames } from './kafka-transport';

/** The Kafka transport on the real broker: its plain listener for set-up and reading, the TLS + SASL one for sending. */
const producers: Producer[] = [];
afterAll(async () => {
  for (const p of producers) await p.close().catch(() => undefined);
});

interface Record_ {
  topic: string;
  key: string;
  id: string;
}

async function intakeTopics(): Promise<{ prefix: string; read(count: number): Promise<Record_[]> }> {
  const brokers = await requireKafka();
  const prefix = uniqueName('producer-kafka');
  const kafka = new Kafka({ clientId: 'producer-kafka-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // The router provisions these on start-up; the producer never creates topics.
  const names = Object.values(intakeTopicNames(prefix));
  // Leaders are awaited below, not by kafkajs: its own wait throws when a busy broker still answers
  // "does not host this topic-partition" right after creation (failed in CI).
  await admin.createTopics({ waitForLeaders: false, topics: names.map((topic) => ({ topic, numPartitions: 2 })) });
  await waitFor('the intake topics to have leaders', async () => (await admin.fetchTopicMetadata({ topics: names })).topics.every((t) => t.partitions.length === 2 && t.partitions.every((p) => p.leader >= 0)), { timeoutMs: 20_000 });
  await admin.disconnect();
  return {
    prefix,
    read: async (count) => {
      const consumer = kafka.consumer({ groupId: uniqueName('producer-kafka-test') });
      const records: Record_[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: Object.values(intakeTopicNames(prefix)), fromBeginning: true });
        await consumer.run({ eachMessage: async ({ topic, message }) => void records.push({ topic, key: message.key!.toString(), id: (JSON.parse(message.value!.toString()) as { id: string }).id }) });
        await waitFor(`${count} records on the intake topics`, () => records.length >= count, { timeoutMs: 20_000 });
      } finally {
        await consumer.disconnect();
      }
      return records;
    },
  };
}

describe('the Kafka transport', () => {
  it('sends over TLS with SASL, each event on its lane keyed as the router keys it', async () => {
    const topics = await intakeTopics();
    const secure = await requireSecureKafka();
    const producer = createProducer({
      kafka: { brokers: secure.brokers, topicPrefix: topics.prefix, ssl: { ca: [readFileSync(secure.caFile, 'utf8')] }, sasl: { mechanism: 'scram-sha-512', username: secure.username, password: secure.password } },
    });
    producers.push(producer);
    const sent = await producer.sendMany([
      { id: 'one', type: 'order.shipped', to: { userId: 'alice' }, priority: 'transactional', payload: {} },
      { id: 'many', type: 'order.shipped', to: { userIds: ['bob', 'carol'] }, priority: 'normal', payload: {} },
      { id: 'followers', type: 'offer.weekly', to: { topic: 'followers:shop-7' }, priority: 'marketing', payload: {} },
      { id: 'offer', type: 'offer.weekly', to: { userId: 'alice' }, priority: 'marketing', payload: {} },
    ]);
    expect(sent.map((s) => s.lane)).toEqual(['default', 'default', 'bulk', 'bulk']);
    const names = intakeTopicNames(topics.prefix);
    const records = await topics.read(4);
    expect(Object.fromEntries(records.map((r) => [r.id, [r.topic, r.key]]))).toEqual({
      one: [names.default, 'alice'],
      many: [names.default, 'multi:many'],
      followers: [names.bulk, 'topic:followers:shop-7'],
      offer: [names.bulk, 'alice'],
    });
  }, 60_000);

  it('does not retry a refused password, and says why without the password', async () => {
    const topics = await intakeTopics();
    const secure = await requireSecureKafka();
    const password = 'not-the-password-71d3e';
    const producer = createProducer({
      kafka: { brokers: secure.brokers, topicPrefix: topics.prefix, ssl: { ca: [readFileSync(secure.caFile, 'utf8')] }, sasl: { mechanism: 'scram-sha-512', username: secure.username, password } },
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
    });
    producers.push(producer);
    const error = (await producer.send({ type: 't', to: { userId: 'u' }, priority: 'normal', payload: {} }).catch((e: unknown) => e)) as ProducerError;
    expect(error).toBeInstanceOf(ProducerError);
    expect(error.message).toMatch(/authentication failed/i);
    expect(error.message).not.toContain(password);
    expect([error.retriable, error.options.attempts]).toEqual([false, 1]);
  }, 60_000);

  it('retries while no broker answers, then gives up saying the failure was temporary', async () => {
    const producer = createProducer({ kafka: { brokers: [`127.0.0.1:${await freePort()}`], connectionTimeoutMs: 500 }, retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 } });
    producers.push(producer);
    const error = (await producer.send({ type: 't', to: { userId: 'u' }, priority: 'normal', payload: {} }).catch((e: unknown) => e)) as ProducerError;
    expect(error).toBeInstanceOf(ProducerError);
    expect([error.retriable, error.options.attempts]).toEqual([true, 2]);
    expect(error.message).toMatch(/^gave up after 2 attempts: Kafka did not take the batch: .*(ECONNREFUSED|Connection)/);
  }, 60_000);
});
