import type { DeadLetterReason } from '@notify/contracts';

/**
 * A handler throws this when retrying cannot help (the event names an unknown type, a rule rejects it):
 * the message goes straight to the dead-letter topic with this reason and the partition moves on.
 */
export class NonRetriableError extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
    this.name = 'NonRetriableError';
  }
}

/**
 * A dependency is down (database, broker). Retried for as long as it takes, never dead-lettered:
 * an outage pauses the partition instead of throwing good events away.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

const TRANSIENT_NAMES = /^(MongoNetwork|MongoServerSelection|MongoNotConnected|MongoTopologyClosed|KafkaJSConnection|KafkaJSRequestTimeout|KafkaJSNumberOfRetriesExceeded|KafkaJSBrokerNotFound)/;
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

export type RetryMeaning = 'transient' | 'retriable' | 'non-retriable';

/** What an error means for the message that caused it. */
export function retryMeaningOf(err: unknown): RetryMeaning {
  const { name } = (err ?? {}) as { name?: string };
  // A message the handler would publish breaks its topic's schema or size (contracts' EncodeError):
  // the same input fails the same way every time.
  if (err instanceof NonRetriableError || name === 'EncodeError') return 'non-retriable';
  return isTransient(err) ? 'transient' : 'retriable';
}

/**
 * A dependency is down, said by the error itself or by what it wraps: the MongoDB driver reports an
 * insertMany on a refused connection as a MongoBulkWriteError around the network error. Taken for an
 * ordinary failure, that dead-lettered the messages of an outage longer than the retries.
 */
function isTransient(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const { name, code, cause, errorResponse } = err as { name?: string; code?: string; cause?: unknown; errorResponse?: unknown };
  // By name too: other libraries (the store) raise their own TransientError.
  if (err instanceof TransientError || name === 'TransientError') return true;
  if ((name && TRANSIENT_NAMES.test(name)) || (code && TRANSIENT_CODES.has(code))) return true;
  return isTransient(cause, depth + 1) || isTransient(errorResponse, depth + 1);
}
