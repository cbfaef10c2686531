import { FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator, type EmulatedFirebase } from '@notify/push-emulators/firebase-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { androidDevice, message, notification } from '../../test/sender-fixtures';
import { FCM_BATCH_LIMIT, FcmSender } from './fcm-sender';
import { ProjectThrottle } from './project-throttle';
import type { SendOutcome } from './push-sender';

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
        android: { priority: 'high', collapse_key: 'payments', ttl: expect.stringMatching(/^(600|59\d(\.\d+)?)s$/), notification: { tag: 'payments', notification_count: 3 } },
      },
    });
  });

  it('sends a collapse key as FCM writes it on the wire: collapse_key and the shown notification’s tag on Android, the Topic header on the web', async () => {
    const update = notification({ collapseKey: 'ride:42', content: { title: 'Your driver is 3 minutes away', data: {} } });
    const browser = androidDevice('fcm-web-browser-0123456789', { platform: 'web', appId: 'shop-web' });
    const outcomes = await sender.send([message(update, to('rider'), 1), message(update, browser)]);
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
    const android = fcm.received.find((r) => r.token === 'fcm-rider-0123456789');
    const web = fcm.received.find((r) => r.token === browser.token);
    expect(android?.message?.android).toMatchObject({ collapse_key: 'ride:42', notification: { tag: 'ride:42' } });
    expect(web?.message?.webpush?.headers).toMatchObject({ Topic: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    expect(web?.message).not.toHaveProperty('android');
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

  it('answers retry for a 5xx, with the retry-after FCM sent when firebase-admin gave up on it', async () => {
    fcm.fail(1, 500);
    expect(await sender.send([message(notification(), to('internal'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/^messaging\/internal-error: /) }]);
    // firebase-admin retries a 503 itself, unless its retry-after is over a minute: then it answers at once.
    fcm.fail(1, 503, 120);
    expect(await sender.send([message(notification(), to('unavailable'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/^messaging\/server-unavailable: /), retryAfterMs: 120_000 }]);
    expect(fcm.received.map((r) => r.status)).toEqual([500, 503]);
  });

  it('after a 429 with a retry-after, holds every send of the project, to any device, that long', async () => {
    // A floor far under the header's 2 s: only a header read through firebase-admin makes the pause 2 s.
    const own = new FcmSender(firebase.messaging, FCM_BATCH_LIMIT, new ProjectThrottle({ floorMs: 100, maxMs: 10_000 }));
    fcm.throttle(1, 2);
    const [throttled] = await own.send([message(notification(), to('quota-a'))]);
    expect(throttled).toEqual({ status: 'retry', reason: expect.stringMatching(/^messaging\/message-rate-exceeded: /), retryAfterMs: expect.any(Number) });
    expect((throttled as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(1500);

    const [other] = await own.send([message(notification(), to('quota-b'))]);
    expect(other).toEqual(expect.objectContaining({ status: 'sent' }));
    const [first, second] = fcm.received;
    expect([first?.token, first?.status, second?.token, second?.status]).toEqual(['fcm-quota-a-0123456789', 429, 'fcm-quota-b-0123456789', 200]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1995);
  });

  it('after a 429 without one, holds the project from the floor, doubling on each further 429, from the floor again after a success', async () => {
    const own = new FcmSender(firebase.messaging, FCM_BATCH_LIMIT, new ProjectThrottle({ floorMs: 300, maxMs: 10_000 }));
    const waitOf = (o: SendOutcome | undefined) => (o?.status === 'retry' ? o.retryAfterMs : undefined);

    // Three 429s of one sendEach call are one burst: one pause from the floor, not three doublings.
    fcm.throttle(3);
    const burst = await own.send(['a', 'b', 'c'].map((t) => message(notification(), to(`floor-${t}`))));
    expect(burst.map((o) => o.status)).toEqual(['retry', 'retry', 'retry']);
    expect(waitOf(burst[0])).toBeGreaterThan(250);
    expect(waitOf(burst[0])).toBeLessThanOrEqual(375);

    fcm.throttle(1);
    const again = waitOf((await own.send([message(notification(), to('floor-d'))]))[0]);
    expect(again).toBeGreaterThan(550);
    expect(again).toBeLessThanOrEqual(750);

    expect((await own.send([message(notification(), to('floor-e'))]))[0]).toEqual(expect.objectContaining({ status: 'sent' }));
    fcm.throttle(1);
    const reset = waitOf((await own.send([message(notification(), to('floor-f'))]))[0]);
    expect(reset).toBeGreaterThan(250);
    expect(reset).toBeLessThanOrEqual(375);

    // Each send waited out the pause before it: the floor, then twice the floor.
    const at = new Map(fcm.received.map((r) => [r.token, r.at]));
    expect(at.get('fcm-floor-d-0123456789')! - at.get('fcm-floor-c-0123456789')!).toBeGreaterThanOrEqual(295);
    expect(at.get('fcm-floor-e-0123456789')! - at.get('fcm-floor-d-0123456789')!).toBeGreaterThanOrEqual(595);
    expect(fcm.received.map((r) => r.status)).toEqual([429, 429, 429, 429, 200, 429]);
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
