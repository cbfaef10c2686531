import type { z } from 'zod';

/** Everything the platform knows about one topic: name, shape, how it is kept, how it is keyed. */
export interface TopicSpec<T> {
  /** Topic name without any deployment prefix. */
  readonly name: string;
  readonly description: string;
  readonly partitions: number;
  /** `compact` keeps the latest value per key (state topics); `delete` keeps by time. */
  readonly cleanup: 'delete' | 'compact';
  /** -1 keeps forever. */
  readonly retentionMs: number;
  /** Larger messages are rejected at intake and dead-lettered on consume. */
  readonly maxMessageBytes: number;
  readonly schema: z.ZodType<T>;
  /** The partition key: the recipient's user id wherever there is one, so one user's messages stay in order. */
  keyOf(value: T): string;
}

export function defineTopic<T>(spec: TopicSpec<T>): TopicSpec<T> {
  return Object.freeze(spec);
}
