import { describe, expect, it } from 'vitest';
import { FaultPlan } from './faults';
import { ReceivedLog } from './received-log';

describe('ReceivedLog', () => {
  it('resolves a wait once the count is reached and keeps only the latest entries past its limit', async () => {
    const log = new ReceivedLog<number>(4);
    const waiting = log.waitFor(6);
    for (let i = 1; i <= 6; i++) log.add(i);

    await expect(waiting).resolves.toEqual([4, 5, 6]); // trimmed to the latest half when the 5th arrived
    expect(log.total).toBe(6);
  });

  it('says what it waited for when it times out', async () => {
    const log = new ReceivedLog<number>();
    log.add(1);
    await expect(log.waitFor(3, { timeoutMs: 10 })).rejects.toThrow('waiting for 3 requests; received 1');
  });
});

describe('FaultPlan', () => {
  it('plays planned faults in the order they were switched on', () => {
    const plan = new FaultPlan<'Shutdown'>();
    plan.throttle(2, 5);
    plan.fail(1, 503);
    plan.reply(1, 'Shutdown');

    const taken = Array.from({ length: 5 }, () => plan.take());
    expect(taken).toEqual([
      { kind: 'throttle', retryAfterSeconds: 5 },
      { kind: 'throttle', retryAfterSeconds: 5 },
      { kind: 'fail', status: 503 },
      { kind: 'reply', code: 'Shutdown' },
      undefined,
    ]);
  });
});
