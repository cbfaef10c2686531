export * from './types';
export * from './errors';
export { runKeyed, type KeyedRunOptions, type MessageOutcome } from './keyed-runner';
export * from './retry';
export * from './topic-names';
export { KafkaBus, type KafkaBusOptions } from './kafka/kafka-bus';
export { MemoryBus, MemorySubscription, type MemoryBusOptions } from './memory/memory-bus';
export * from './create-bus';
export * from './state-view';
