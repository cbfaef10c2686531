import { ApnsEmulator } from '@notify/push-emulators';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apnsAuthKey, apnsToken, device, message, notification } from '../../test/sender-fixtures';
import { ApnsSender, apnsOutcomeOf } from './apns-sender';

/** The real node-apn against the local APNs emulator, authenticated with a generated .p8 key. */
const auth = apnsAuthKey();
let apns: ApnsEmulator;
let sender: ApnsSender;

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth }).start();
  sender = new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca });
});
afterEach(() => apns.reset());
afterAll(async () => {
  await sender?.close();
  await apns?.stop();
});

const to = (seed: string) => device({ token: apnsToken(seed) });

describe('ApnsSender', () => {
  it('sends an alert with the headers and payload it built, answering the apns-id', async () => {
    const n = notification({ collapseKey: 'payments', expiresAt: '2030-01-01T00:00:00.000Z' });
    const [outcome] = await sender.send([message(n, to('alice-phone'), 3)]);

    const [received] = apns.received;
    expect(outcome).toEqual({ status: 'sent', providerId: received?.responseApnsId });
    expect(received).toMatchObject({
      token: apnsToken('alice-phone'),
      keyId: auth.keyId,
      teamId: auth.teamId,
      headers: { topic: 'com.example.shop', pushType: 'alert', priority: '10', collapseId: 'payments', expiration: String(Date.UTC(2030, 0, 1) / 1000) },
      payload: {
        aps: { alert: { title: 'Payment received', body: '12.00 EUR from Bob' }, badge: 3, 'thread-id': 'payments' },
        notificationId: n.notificationId,
        deepLink: 'shop://payments/7',
        data: { paymentId: 7 },
      },
      status: 200,
    });
  });

  it('sends a silent push as a background push at priority 5, and a production device through its own provider', async () => {
    const outcomes = await sender.send([message(notification({ push: { silent: true } }), to('bg')), message(notification({ priority: 'marketing' }), device({ token: apnsToken('prod'), environment: 'production' }))]);
    expect(outcomes).toEqual([expect.objectContaining({ status: 'sent' }), expect.objectContaining({ status: 'sent' })]);
    const byToken = new Map(apns.received.map((r) => [r.token, r]));
    expect(byToken.get(apnsToken('bg'))).toMatchObject({ headers: { pushType: 'background', priority: '5' }, payload: { aps: { 'content-available': 1 } } });
    expect(byToken.get(apnsToken('prod'))).toMatchObject({ headers: { pushType: 'alert', priority: '5' } });
  });

  it('spreads pushes over the connections asked for, each its own HTTP/2 session', async () => {
    const pooled = new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca, connections: 3 });
    const single = new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca, connections: 1 });
    try {
      const before = apns.connectionsAccepted;
      const outcomes = await pooled.send(Array.from({ length: 30 }, (_, i) => message(notification(), to(`pool-${i}`))));
      expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
      expect(apns.connectionsAccepted - before).toBe(3);
      await single.send(Array.from({ length: 30 }, (_, i) => message(notification(), to(`single-${i}`))));
      expect(apns.connectionsAccepted - before).toBe(4);
    } finally {
      await Promise.all([pooled.close(), single.close()]);
    }
  });

  it('answers invalid_token for dead tokens and failed for other refusals, one outcome per message in order', async () => {
    apns.unregister(apnsToken('gone')).expireToken(apnsToken('expired')).badToken(apnsToken('bad'));
    const outcomes = await sender.send(['ok', 'gone', 'expired', 'bad'].map((seed) => message(notification(), to(seed))));
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'sent' }),
      { status: 'invalid_token', reason: '410 Unregistered' },
      { status: 'invalid_token', reason: '410 ExpiredToken' },
      { status: 'invalid_token', reason: '400 BadDeviceToken' },
    ]);

    apns.replyWith('DeviceTokenNotForTopic').replyWith('BadTopic');
    expect(await sender.send([message(notification(), to('other-app'))])).toEqual([{ status: 'invalid_token', reason: '400 DeviceTokenNotForTopic' }]);
    expect(await sender.send([message(notification(), to('topic'))])).toEqual([{ status: 'failed', reason: '400 BadTopic' }]);
  });

  it('answers retry for 429 and 5xx without a Retry-After once node-apn has retried them', async () => {
    apns.throttle(4);
    expect(await sender.send([message(notification(), to('throttled'))])).toEqual([{ status: 'retry', reason: '429 TooManyRequests' }]);
    expect(apns.received.map((r) => r.status)).toEqual([429, 429, 429, 429]);

    apns.reset();
    apns.fail(4, 503);
    expect(await sender.send([message(notification(), to('unavailable'))])).toEqual([{ status: 'retry', reason: '503 ServiceUnavailable' }]);

    apns.reset();
    apns.fail(4, 500);
    expect(await sender.send([message(notification(), to('broken'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/500/) }]);
    // node-apn dropped the session after the 500; the next push gets a new one.
    expect(await sender.send([message(notification(), to('after'))])).toEqual([expect.objectContaining({ status: 'sent' })]);
  });

  it('answers retry with the Retry-After APNs sent, at once, without node-apn retrying it', async () => {
    apns.throttle(1, 7);
    const started = Date.now();
    expect(await sender.send([message(notification(), to('throttled'))])).toEqual([{ status: 'retry', reason: '429 TooManyRequests', retryAfterMs: 7000 }]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(apns.received.map((r) => r.status)).toEqual([429]);

    apns.reset();
    apns.fail(1, 503, 120);
    expect(await sender.send([message(notification(), to('unavailable'))])).toEqual([{ status: 'retry', reason: '503 ServiceUnavailable', retryAfterMs: 120_000 }]);
    expect(apns.received.map((r) => r.status)).toEqual([503]);

    // A Retry-After on node-apn's own retry ends its retries too.
    apns.reset();
    apns.throttle(1).throttle(1, 2);
    expect(await sender.send([message(notification(), to('again'))])).toEqual([{ status: 'retry', reason: '429 TooManyRequests', retryAfterMs: 2000 }]);
    expect(apns.received.map((r) => r.status)).toEqual([429, 429]);
  });

  it('reads a Retry-After given as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const failure = { device: 'x', status: 429, retryAfter: 'Thu, 01 Jan 2026 12:01:00 GMT', response: { reason: 'TooManyRequests' } };
    expect(apnsOutcomeOf(failure, now)).toEqual({ status: 'retry', reason: '429 TooManyRequests', retryAfterMs: 60_000 });
  });

  it('answers failed with the reason for a credential APNs refuses', async () => {
    const stranger = new ApnsSender({ ...apnsAuthKey(), keyId: auth.keyId, teamId: auth.teamId, address: apns.address, port: apns.port, ca: apns.ca });
    try {
      expect(await stranger.send([message(notification(), to('x'))])).toEqual([{ status: 'failed', reason: '403 InvalidProviderToken' }]);
    } finally {
      await stranger.close();
    }
  });

  it('answers retry when APNs cannot be reached', async () => {
    const offline = await new ApnsEmulator({ auth }).start();
    const port = offline.port;
    await offline.stop();
    const unreachable = new ApnsSender({ ...auth, address: '127.0.0.1', port, ca: apns.ca });
    try {
      expect(await unreachable.send([message(notification(), to('x'))])).toEqual([{ status: 'retry', reason: expect.stringMatching(/ECONNREFUSED|connect/i) }]);
    } finally {
      await unreachable.close();
    }
  });

  it('answers retry when node-apn gives no answer in time', async () => {
    apns.latency(1000);
    const impatient = new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca, sendTimeoutMs: 200 });
    try {
      expect(await impatient.send([message(notification(), to('slow'))])).toEqual([{ status: 'retry', reason: 'APNs send failed: no answer within 200 ms' }]);
    } finally {
      await impatient.close();
    }
  });

  it('answers failed without sending a payload that cannot fit', async () => {
    const n = notification({ push: { apns: { payload: { blob: 'x'.repeat(5000) } } } });
    expect(await sender.send([message(n, to('x'))])).toEqual([{ status: 'failed', reason: expect.stringMatching(/^payload too large/) }]);
    expect(apns.received).toEqual([]);
  });

  it('sends 100 messages concurrently', async () => {
    apns.latency(200);
    const started = Date.now();
    const outcomes = await sender.send(Array.from({ length: 100 }, (_, i) => message(notification(), to(`many-${i}`))));
    const tookMs = Date.now() - started;
    expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
    expect(apns.receivedCount).toBe(100);
    // One after the other would take 100 × 200 ms.
    expect(tookMs).toBeLessThan(2000);
  });
});
