import { describe, expect, it } from 'vitest';
import { NonRetriableError, TransientError, retryMeaningOf } from './errors';

const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name }, extra);

describe('retryMeaningOf', () => {
  it('takes a dependency that is down for transient, on the error or on what it wraps', () => {
    expect(retryMeaningOf(named('MongoNetworkError', 'connect ECONNREFUSED 127.0.0.1:27017'))).toBe('transient');
    expect(retryMeaningOf(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('transient');
    expect(retryMeaningOf(new TransientError('store unavailable'))).toBe('transient');
    // What the MongoDB driver throws for an insertMany whose connection was refused (a database restart).
    const bulk = named('MongoBulkWriteError', 'connect ECONNREFUSED 127.0.0.1:27017', { errorResponse: named('MongoNetworkError', 'connect ECONNREFUSED 127.0.0.1:27017'), writeErrors: [] });
    expect(retryMeaningOf(bulk)).toBe('transient');
    expect(retryMeaningOf(new Error('could not save', { cause: named('MongoServerSelectionError', 'connection 5 closed') }))).toBe('transient');
  });

  it('keeps other failures retriable a bounded number of times, and what can never succeed non-retriable', () => {
    expect(retryMeaningOf(named('MongoBulkWriteError', 'E11000 duplicate key', { errorResponse: named('MongoServerError', 'E11000 duplicate key'), code: 11000 }))).toBe('retriable');
    expect(retryMeaningOf(new Error('boom'))).toBe('retriable');
    expect(retryMeaningOf(new NonRetriableError('unknown_type', 'no such type'))).toBe('non-retriable');
    expect(retryMeaningOf(named('EncodeError', 'too large'))).toBe('non-retriable');
  });
});
