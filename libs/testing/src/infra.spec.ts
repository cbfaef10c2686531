import { afterEach, describe, expect, it } from 'vitest';
import { requireKafka, requireMongo, testMongoUrl, uniqueName } from './infra';
import { waitFor } from './wait';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('test infrastructure helpers', () => {
  it('points each test at its own database on the configured server', () => {
    process.env.MONGO_URL = 'mongodb://db.local:27018/notify?directConnection=true';
    expect(testMongoUrl('t1')).toBe('mongodb://db.local:27018/t1?directConnection=true');
    delete process.env.MONGO_URL;
    expect(testMongoUrl('t2')).toBe('mongodb://127.0.0.1:27017/t2');
  });

  it('fails (never skips) with instructions when a server is missing', async () => {
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
    process.env.MONGO_URL = 'mongodb://127.0.0.1:1';
    await expect(requireKafka()).rejects.toThrow('Kafka is not reachable at 127.0.0.1:1: start it with `npm run infra:up`');
    await expect(requireMongo('x')).rejects.toThrow('MongoDB is not reachable at mongodb://127.0.0.1:1/x');
  });

  it('makes names that do not repeat', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('t')));
    expect(names.size).toBe(100);
  });

  it('waits for a condition, and says what it waited for when it times out', async () => {
    let n = 0;
    expect(await waitFor('n to reach 3', () => ++n >= 3 && n)).toBe(3);
    await expect(waitFor('something that never happens', () => false, { timeoutMs: 50 })).rejects.toThrow('timed out after 50 ms waiting for something that never happens');
  });
});
