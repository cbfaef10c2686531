import type { ConnectionOptions } from 'node:tls';
import type * as KafkaJs from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import { topics } from '@notify/contracts';
import type { PreparedEvent } from '../prepare-event';
import { TransportFailure, type BatchOutcome, type Transport } from './transport';

export interface KafkaTransportOptions {
  brokers: string[];
  clientId?: string;
  /** TLS: true for the system's trusted CAs, or Node's TLS options (a private CA, client certificates). */
  ssl?: boolean | ConnectionOptions;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** The deployment's topic prefix (the platform's TOPIC_PREFIX): topics are named `<prefix>.notify.events`. */
  topicPrefix?: string;
  /** How long connecting to a broker may take (default 3,000 ms). */
  connectionTimeoutMs?: number;
}

/** The intake topic names as the router reads them, with the deployment prefix. */
export function intakeTopicNames(prefix = ''): Record<'default' | 'bulk', string> {
  const name = (topic: string) => (prefix ? `${prefix}.${topic}` : topic);
  return { default: name(topics.notifyEvents.name), bulk: name(topics.notifyEventsBulk.name) };
}

/** kafkajs errors say whether trying again can help; a lost or refused connection always can. */
function isRetriable(err: unknown): boolean {
  for (let e = err as { retriable?: boolean; name?: string; cause?: unknown; originalError?: unknown } | undefined; e; e = (e.originalError ?? e.cause) as typeof e) {
    if (e.retriable === true) return true;
    if (e.name && /Connection|Timeout|NumberOfRetriesExceeded/.test(e.name)) return true;
  }
  return false;
}

/**
 * Writes each batch to the intake lanes with kafkajs's idempotent producer (acks from every in-sync
 * replica), keyed by recipient, in one produce request. kafkajs is loaded on first use, so HTTP users
 * do not need it installed.
 */
export function kafkaTransport(options: KafkaTransportOptions): Transport {
  const names = intakeTopicNames(options.topicPrefix);
  let producer: Promise<Producer> | undefined;
  const connect = async (): Promise<Producer> => {
    let kafkajs: typeof KafkaJs;
    try {
      const loaded = (await import('kafkajs')) as typeof KafkaJs & { default?: typeof KafkaJs };
      kafkajs = loaded.default ?? loaded;
    } catch (err) {
      throw new TransportFailure('the Kafka transport needs kafkajs: npm install kafkajs', false, { cause: err });
    }
    const kafka: Kafka = new kafkajs.Kafka({
      clientId: options.clientId ?? 'notify-producer',
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 3 },
      ...(options.ssl ? { ssl: options.ssl } : {}),
      ...(options.sasl ? { sasl: options.sasl as never } : {}),
    });
    const created = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await created.connect();
    return created;
  };
  return {
    async send(batch: readonly PreparedEvent[]): Promise<BatchOutcome> {
      try {
        producer ??= connect().catch((err: unknown) => {
          producer = undefined;
          throw err;
        });
        const ready = await producer;
        const byLane = { default: [] as PreparedEvent[], bulk: [] as PreparedEvent[] };
        for (const p of batch) byLane[p.lane].push(p);
        await ready.sendBatch({
          acks: -1,
          topicMessages: (['default', 'bulk'] as const)
            .filter((lane) => byLane[lane].length > 0)
            .map((lane) => ({ topic: names[lane], messages: byLane[lane].map((p) => ({ key: p.key, value: Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength) })) })),
        });
        return { ok: true };
      } catch (err) {
        if (err instanceof TransportFailure) throw err;
        throw new TransportFailure(`Kafka did not take the batch: ${(err as Error).message}`, isRetriable(err), { cause: err });
      }
    },
    async close() {
      const current = producer;
      producer = undefined;
      if (current) await (await current.catch(() => undefined))?.disconnect();
    },
  };
}
