import { describe, expect, it, vi } from 'vitest';
import type { PushMessage, PushSender, SendOutcome } from '../senders/push-sender';
import { SendBatcher } from './send-batcher';

class CountingSender implements PushSender {
  readonly provider = 'fcm' as const;
  calls: number[] = [];
  async send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    this.calls.push(messages.length);
    return messages.map((m) => ({ status: 'sent', providerId: m.device.token }));
  }
  async close(): Promise<void> {}
}

const message = (token: string): PushMessage => ({
  notification: { version: 1, notificationId: `n-${token}`, eventId: 'e', userId: 'u', type: 't', priority: 'transactional', content: { data: {} }, createdAt: new Date().toISOString() },
  device: { token, userId: 'u', platform: 'android', appId: 'a', environment: 'production', active: true, createdAt: new Date(), updatedAt: new Date() },
  lane: 'transactional',
});

describe('SendBatcher', () => {
  it('with no linger, merges the sends of one turn of the event loop into one call without waiting for a timer', async () => {
    const sender = new CountingSender();
    const batcher = new SendBatcher(sender, 500, 0);
    // Timers are frozen: a batcher that waited for one would not send. (Measuring elapsed time
    // instead failed on a loaded machine.)
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    let settled = false;
    const both = Promise.all([batcher.send([message('t1')]), batcher.send([message('t2'), message('t3')])]).finally(() => (settled = true));
    try {
      for (let turn = 0; turn < 3 && !settled; turn++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      vi.useRealTimers();
    }
    expect(settled).toBe(true);
    const [a, b] = await both;
    expect(sender.calls).toEqual([3]);
    expect(a).toEqual([{ status: 'sent', providerId: 't1' }]);
    expect(b).toEqual([
      { status: 'sent', providerId: 't2' },
      { status: 'sent', providerId: 't3' },
    ]);
    // A send in a later turn is a call of its own.
    await batcher.send([message('t4')]);
    expect(sender.calls).toEqual([3, 1]);
  });

  it('sends at once when a full batch is queued, and splits what is larger', async () => {
    const sender = new CountingSender();
    const batcher = new SendBatcher(sender, 2, 60_000);
    await batcher.send([message('t1'), message('t2'), message('t3')]);
    expect(sender.calls).toEqual([2, 1]);
  });
});
