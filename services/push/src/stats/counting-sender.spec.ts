import { describe, expect, it } from 'vitest';
import { androidDevice, device, message, notification } from '../../test/sender-fixtures';
import type { PushMessage, PushSender, SendOutcome } from '../senders/push-sender';
import { CountingSender } from './counting-sender';
import { MAX_APPS, OTHER_APPS, PushStats } from './push-stats';

/** A provider that answers as scripted, and can be held mid-send to look at what is in flight. */
class ScriptedSender implements PushSender {
  answers: SendOutcome[] = [];
  hold: Promise<void> | undefined;
  closed = false;
  constructor(readonly provider: 'apns' | 'fcm') {}
  async send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    await this.hold;
    return messages.map((_, i) => this.answers[i] ?? { status: 'sent' });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const shop = 'com.example.shop';
const news = 'com.example.news';
const at = (m: PushMessage, attempt: number): PushMessage => ({ ...m, attempt });

describe('CountingSender', () => {
  it('counts sent, failed by the provider’s short reason, and retries, per app', async () => {
    const stats = new PushStats();
    const apns = new ScriptedSender('apns');
    const counting = new CountingSender(apns, stats, 3);
    apns.answers = [
      { status: 'sent', providerId: 'a' },
      { status: 'invalid_token', reason: '410 Unregistered' },
      { status: 'retry', reason: '429 TooManyRequests' },
      { status: 'failed', reason: '400 BadTopic' },
      { status: 'sent' },
    ];
    const outcomes = await counting.send([
      message(notification(), device()),
      message(notification(), device()),
      message(notification(), device()),
      message(notification(), device()),
      message(notification(), device({ appId: news })),
    ]);
    expect(outcomes).toEqual(apns.answers);
    expect(stats.view().apps).toEqual({
      [shop]: { apns: { sent: 1, failed: { total: 2, byReason: { Unregistered: 1, BadTopic: 1 } }, retries: { total: 1, byReason: { TooManyRequests: 1 } }, invalidTokensRemoved: 0, inFlight: 0 } },
      [news]: { apns: { sent: 1, failed: { total: 0, byReason: {} }, retries: { total: 0, byReason: {} }, invalidTokensRemoved: 0, inFlight: 0 } },
    });
  });

  it('counts a retry on the last attempt as failed: the push gives up there', async () => {
    const stats = new PushStats();
    const fcm = new ScriptedSender('fcm');
    const counting = new CountingSender(fcm, stats, 3);
    fcm.answers = [{ status: 'retry', reason: 'messaging/message-rate-exceeded: Quota exceeded.' }];
    const m = message(notification(), androidDevice('fcm-token-0123456789'));
    await counting.send([at(m, 1)]);
    await counting.send([at(m, 2)]);
    await counting.send([at(m, 3)]);
    const fcmView = stats.view().apps[shop]!.fcm!;
    expect(fcmView.retries).toEqual({ total: 2, byReason: { 'messaging/message-rate-exceeded': 2 } });
    expect(fcmView.failed).toEqual({ total: 1, byReason: { 'messaging/message-rate-exceeded': 1 } });
  });

  it('holds pushes in flight while the provider has them, and lets them go when it throws', async () => {
    const stats = new PushStats();
    const apns = new ScriptedSender('apns');
    const counting = new CountingSender(apns, stats, 3);
    let release!: () => void;
    apns.hold = new Promise<void>((r) => (release = r));
    const sending = counting.send([message(notification(), device()), message(notification(), device())]);
    expect(stats.view().totals.apns.inFlight).toBe(2);
    release();
    await sending;
    expect(stats.view().totals.apns).toMatchObject({ inFlight: 0, sent: 2 });

    apns.hold = Promise.reject(new Error('session gone'));
    await expect(counting.send([message(notification(), device())])).rejects.toThrow('session gone');
    expect(stats.view().totals.apns).toMatchObject({ inFlight: 0, sent: 2, failed: { total: 0 }, retries: { total: 0 } });
  });

  it('is the provider it wraps and closes it', async () => {
    const fcm = new ScriptedSender('fcm');
    const counting = new CountingSender(fcm, new PushStats(), 3);
    expect(counting.provider).toBe('fcm');
    await counting.close();
    expect(fcm.closed).toBe(true);
  });
});

describe('PushStats', () => {
  it('sums every app per provider, and counts apps past the limit together', () => {
    const stats = new PushStats();
    for (let i = 0; i < MAX_APPS + 5; i++) stats.tallyOf('fcm', `app-${i}`).sent++;
    stats.tallyOf('apns', 'app-0').invalidTokensRemoved++;
    const view = stats.view();
    expect(Object.keys(view.apps)).toHaveLength(MAX_APPS + 1);
    expect(view.apps[OTHER_APPS]!.fcm!.sent).toBe(5);
    expect(view.apps['app-0']).toMatchObject({ fcm: { sent: 1 }, apns: { sent: 0, invalidTokensRemoved: 1 } });
    expect(view.totals.fcm.sent).toBe(MAX_APPS + 5);
    expect(view.totals.apns.invalidTokensRemoved).toBe(1);
  });
});
