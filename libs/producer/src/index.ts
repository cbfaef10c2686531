export { createProducer, createProducerWith, type BatchingOptions, type Producer, type ProducerOptions, type SendResult } from './producer';
export { prepareEvent, type EventInput, type PreparedEvent } from './prepare-event';
export { InvalidEventError, ProducerClosedError, ProducerError } from './errors';
export { defaultRetry, type RetryOptions } from './backoff';
export type { HttpTransportOptions } from './transports/http-transport';
export { intakeTopicNames, type KafkaTransportOptions } from './transports/kafka-transport';
export { TransportFailure, type BatchOutcome, type Transport } from './transports/transport';
export { NotifyEventV1, type NotifyEvent, type Recipients, type PriorityClass, type IntakeLane } from '@notify/contracts';
