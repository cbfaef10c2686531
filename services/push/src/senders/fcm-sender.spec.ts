import { FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator, type EmulatedFirebase } from '@notify/push-emulators/firebase-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { androidDevice, message, notification } from '../../test/sender-fixtures';
import { FcmSender } from './fcm-sender';

/** The real firebase-admin, rerouted by the harness to the local FCM emulator. */
let fcm: FcmEmulator;
let firebase: EmulatedFirebase;
let sender: FcmSender;

beforeAll(async () => {
  fcm = await new FcmEmulator({ projectId: 'notify-senders' }).start();
  firebase = connectFirebaseToEmulator(fcm, { projectId: 'notify-senders' });
  sender = new FcmSender(firebase.messaging);
});
afterEach(() => {
  fcm.reset();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await sender?.close();
  await firebase?.close();
  await fcm?.stop();
});

const to = (token: string) => androidDevice(`fcm-${token}-0123456789`);

describe('FcmSender', () => {
  it('sends the message it built, answering FCM’s message name', async () => {
    const n = notification({ collapseKey: 'payments', expiresAt: new Date(Date.now() + 600_000).toISOString() });
    const [outcome] = await sender.send([message(n, to('alice'), 3)]);

    const [received] = fcm.received;
    expect(outcome).toEqual({ status: 'sent', providerId: received?.name });
    expect(received).toMatchObject({
      status: 200,
      token: 'fcm-alice-0123456789',
      message: {
        notification: { title: 'Payment received', body: '12.00 EUR from Bob' },
        data: { notificationId: n.notificationId, deepLink: 'shop://payments/7', data: '{"paymentId":7}' },
        android: { priority: 'high', collapse_key: 'payments', ttl: expect.stringMatching(/^(600|59\d(\.\d+)?)s$/), notification: { notification_count: 3 } },
      },
    });
  });

  it('sends a silent push as data only, at normal priority for marketing', async () => {
    await sender.send([message(notification({ priority: 'marketing', push: { silent: true } }), to('bob'), 2)]);
    const sent = fcm.received[0]?.message;
    expect(sent).not.toHaveProperty('notification');
    expect(sent?.android).toEqual({ priority: 'normal' });
  });

  it('answers invalid_token for dead tokens and failed for other refusals, one outcome per message in order', async () => {
    fcm.unregister('fcm-gone-0123456789').invalidToken('fcm-bad-0123456789').mismatchSender('fcm-other-0123456789');
    const badOverride = notification({ push: { android: { ttl: -1 } } });
    const outcomes = await sender.send([message(notification(), to('ok')), message(notification(), to('gone')), message(notification(), to('bad')), message(notification(), to('other')), message(badOverride, to('ok2'))]);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'sent' }),
      { status: 'invalid_token', reason: expect.stringMatching(/^messaging\/registration-token-not-registered: /) },
      { status: 'invalid_token', reason: 'messaging/invalid-argument: The registration token is not a valid FCM registration token' },
      { status: 'failed', reason: expect.stringMatching(/^messaging\/mismatched-credential: /) },
      { status: 'failed', reason: expect.stringMatching(/^messaging\/invalid-payload: TTL/) },
    ]);
  });

  it('answers retry for 429 and 5xx, without a Retry-After firebase-admin does not pass on', async () => {
    fcm.throttle(1, 30);
    expect(await sender.send([message(notification(), to('throttled'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/^messaging\/message-rate-exceeded: /) }]);
    fcm.fail(1, 500);
    expect(await sender.send([message(notification(), to('internal'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/^messaging\/internal-error: /) }]);
    // firebase-admin retries a 503 itself, unless its retry-after is over a minute: then it answers at once.
    fcm.fail(1, 503, 120);
    expect(await sender.send([message(notification(), to('unavailable'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/^messaging\/server-unavailable: /) }]);
    expect(fcm.received.map((r) => r.status)).toEqual([429, 500, 503]);
  });

  it('answers failed without sending a payload that cannot fit', async () => {
    expect(await sender.send([message(notification({ notificationId: 'n'.repeat(4100) }), to('x'))])).toEqual([{ status: 'failed', reason: expect.stringMatching(/^payload too large/) }]);
    expect(fcm.received).toEqual([]);
  });

  it('sends 1,200 messages in sendEach calls of at most 500', async () => {
    const sendEach = vi.spyOn(firebase.messaging, 'sendEach');
    const outcomes = await sender.send(Array.from({ length: 1200 }, (_, i) => message(notification(), to(`many-${i}`))));
    expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(1200);
    expect(fcm.receivedCount).toBe(1200);
    expect(new Set(fcm.received.map((r) => r.token)).size).toBe(1200);
    expect(sendEach.mock.calls.map(([messages]) => messages.length)).toEqual([500, 500, 200]);
  }, 60_000);
});
