export * from './types';
export * from './errors';
export * from './retry';
export * from './topic-names';
export { KafkaBus, type KafkaBusOptions } from './kafka/kafka-bus';
export { MemoryBus, MemorySubscription, type MemoryBusOptions } from './memory/memory-bus';
export * from './create-bus';
