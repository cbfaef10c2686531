import { KafkaJSConnectionError, KafkaJSError, KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { healsByRejoining, Rejoiner } from './rejoin';

// The protocol errors as kafkajs builds them from a broker's error code (src/protocol/error.js).
const protocolError = (type: string, code: number, retriable: boolean) => new KafkaJSProtocolError({ type, code, retriable, message: type } as unknown as Error);
// kafkajs's retrier wraps what it gives up on, keeping the original as the cause (its typings leave the options out).
const givenUp = (cause: Error) => Reflect.construct(KafkaJSNonRetriableError, [cause, { cause }]) as Error;

describe('healsByRejoining', () => {
  it('rejoins after the errors a broker restart leaves a consumer with, which kafkajs does not restart from', () => {
    // What the chaos suite's broker restart crashed consumers with, for good, before the bus rejoined.
    expect(healsByRejoining(Reflect.construct(KafkaJSGroupCoordinatorNotFound, ['Failed to find group coordinator']))).toBe(true);
    expect(healsByRejoining(givenUp(protocolError('COORDINATOR_LOAD_IN_PROGRESS', 14, false)))).toBe(true);
    expect(healsByRejoining(givenUp(new KafkaJSConnectionError('Connection error: ECONNREFUSED')))).toBe(true);
  });

  it('leaves stopped a member the broker refuses for a reason it would give again', () => {
    expect(healsByRejoining(protocolError('INVALID_SESSION_TIMEOUT', 26, false))).toBe(false);
    expect(healsByRejoining(protocolError('GROUP_AUTHORIZATION_FAILED', 30, false))).toBe(false);
    expect(healsByRejoining(new KafkaJSError('Cannot subscribe to topic while consumer is running', { retriable: false }))).toBe(false);
    expect(healsByRejoining(new Error('a handler bug'))).toBe(false);
  });
});

describe('Rejoiner', () => {
  it('tries again, waiting longer each time, until a join, and reports the member out meanwhile', async () => {
    const attempts: number[] = [];
    const rejoiner = new Rejoiner({
      initialDelayMs: 20,
      maxDelayMs: 200,
      rejoin: async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('broker still down');
      },
    });
    const started = Date.now();
    rejoiner.schedule('Failed to find group coordinator');
    expect(rejoiner.out?.reason).toBe('Failed to find group coordinator');
    await until(() => attempts.length === 3);
    // 20, 40, 80 ms before each attempt, each halved at worst by the jitter.
    expect(attempts[0]! - started).toBeGreaterThanOrEqual(9);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(39);
    expect(rejoiner.out).not.toBeNull();
    rejoiner.joined();
    expect(rejoiner.out).toBeNull();
    rejoiner.cancel();
  });

  it('does nothing more once cancelled (the subscription stopped)', async () => {
    let attempts = 0;
    const rejoiner = new Rejoiner({ initialDelayMs: 10, rejoin: async () => void attempts++ });
    rejoiner.schedule('coordinator loading');
    rejoiner.cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(attempts).toBe(0);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
