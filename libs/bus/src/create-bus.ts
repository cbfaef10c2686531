import type { KafkaSecurity } from '@notify/config';
import type { Logger, Registry } from '@notify/observability';
import { KafkaBus } from './kafka/kafka-bus';
import { MemoryBus } from './memory/memory-bus';
import type { Bus } from './types';

export interface BusSettings {
  service: string;
  logger: Logger;
  metrics: Registry;
  /** Kafka when brokers are given, the in-process bus otherwise. */
  kafkaBrokers?: string[] | undefined;
  kafkaClientId?: string | undefined;
  topicPrefix?: string | undefined;
  kafkaSessionTimeoutMs?: number | undefined;
  /** TLS and SASL for a secured cluster (see kafkaSecurityOf). */
  kafkaSecurity?: KafkaSecurity | undefined;
}

export function createBus(settings: BusSettings): Bus {
  if (settings.kafkaBrokers && settings.kafkaBrokers.length > 0) {
    return new KafkaBus({
      brokers: settings.kafkaBrokers,
      clientId: settings.kafkaClientId ?? settings.service,
      service: settings.service,
      topicPrefix: settings.topicPrefix ?? '',
      ...(settings.kafkaSessionTimeoutMs ? { sessionTimeoutMs: settings.kafkaSessionTimeoutMs } : {}),
      ...(settings.kafkaSecurity ? { security: settings.kafkaSecurity } : {}),
      logger: settings.logger,
      metrics: settings.metrics,
    });
  }
  return new MemoryBus({ service: settings.service, logger: settings.logger, metrics: settings.metrics });
}
