import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type DeviceFeedback } from '@notify/contracts';
import { ApnsEmulator, FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator, type EmulatedFirebase } from '@notify/push-emulators/firebase-harness';
import { waitFor } from '@notify/testing';
import { ApnsSender } from '../src/senders/apns-sender';
import { FcmSender } from '../src/senders/fcm-sender';
import type { PushStatsView } from '../src/stats/push-stats';
import { iosToken, producerToken, pushNotification, startPush, type PushUnderTest } from './push-harness';
import { apnsAuthKey } from './sender-fixtures';

/**
 * The push service's stats (GET /v1/push/stats and /metrics) and its device feedback
 * (devices.feedback), on the real Kafka and MongoDB-wire server, sending with the real node-apn and
 * firebase-admin to the local emulators.
 */
const apnsAuth = apnsAuthKey();
const adminToken = 'push-ops-secret-0123456789abcdef';
const shop = 'com.example.shop';
const news = 'com.example.news';
let apns: ApnsEmulator;
let fcm: FcmEmulator;
let firebase: EmulatedFirebase;
let push: PushUnderTest;
const feedback: DeviceFeedback[] = [];

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth: apnsAuth }).start();
  fcm = await new FcmEmulator({ projectId: 'notify-stats' }).start();
  firebase = connectFirebaseToEmulator(fcm, { projectId: 'notify-stats' });
  push = await startPush({
    tokens: [
      { name: 'shop', role: 'producer', secret: producerToken, scopes: ['devices:read', 'devices:write'] },
      { name: 'ops', role: 'admin', secret: adminToken },
    ],
    senders: { apns: new ApnsSender({ ...apnsAuth, address: apns.address, port: apns.port, ca: apns.ca }), fcm: new FcmSender(firebase.messaging) },
    retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 500 },
  });
  // The product's backend: a consumer group of its own on devices.feedback.
  await push.running.deps.bus.subscribe(topics.deviceFeedback, { groupId: 'product-backend' }, async (m) => void feedback.push(m.value));
}, 60_000);
afterAll(async () => {
  await push?.stop();
  await firebase?.close();
  await apns?.stop();
  await fcm?.stop();
});

const register = (userId: string, token: string, platform: 'ios' | 'android', appId = shop) => push.running.deps.store.devices.register({ token, userId, platform, appId, environment: 'sandbox' });
const finalStatuses = (notificationId: string) => push.statuses.filter((s) => s.notificationId === notificationId && (s.status === 'sent' || s.status === 'failed'));
const stats = (token = adminToken) => fetch(`${push.url}/v1/push/stats`, { headers: { authorization: `Bearer ${token}` } });

describe('push stats and device feedback', () => {
  it('counts sent, dead tokens and retries per app and provider, on the stats route and /metrics, and tells the backend which tokens died', async () => {
    const deadPhone = iosToken('stats-dead-phone');
    const deadTablet = 'fcm-stats-dead-tablet-0123456789';
    await register('stats-alice', iosToken('stats-alice-phone'), 'ios');
    await register('stats-alice', deadPhone, 'ios');
    await register('stats-bob', 'fcm-stats-bob-0123456789', 'android', news);
    await register('stats-carol', deadTablet, 'android');
    apns.unregister(deadPhone);
    fcm.unregister(deadTablet);
    // Bob's first attempt is throttled (429, retry after 1 s): retried, then sent.
    fcm.throttle(1, 1);

    const toAlice = pushNotification('stats-alice');
    await push.push('transactional', toAlice);
    await waitFor('alice’s two devices final', () => finalStatuses(toAlice.notificationId).length === 2);
    const toBob = pushNotification('stats-bob');
    await push.push('transactional', toBob);
    await waitFor('bob’s push sent after a retry', () => finalStatuses(toBob.notificationId).some((s) => s.status === 'sent'), { timeoutMs: 10_000 });
    const toCarol = pushNotification('stats-carol');
    await push.push('transactional', toCarol);
    await waitFor('carol’s dead tablet final', () => finalStatuses(toCarol.notificationId).length === 1);
    expect(fcm.received.map((r) => r.status)).toEqual([429, 200, 404]);

    const response = await stats();
    expect(response.status).toBe(200);
    const body = (await response.json()) as { instance: string } & PushStatsView;
    const none = { total: 0, byReason: {} };
    expect(body).toMatchObject({ instance: expect.any(String), since: expect.any(String) });
    expect(body.apps).toEqual({
      [shop]: {
        apns: { sent: 1, failed: { total: 1, byReason: { Unregistered: 1 } }, invalidTokensRemoved: 1, retries: none, inFlight: 0 },
        fcm: { sent: 0, failed: { total: 1, byReason: { 'messaging/registration-token-not-registered': 1 } }, invalidTokensRemoved: 1, retries: none, inFlight: 0 },
      },
      [news]: { fcm: { sent: 1, failed: none, invalidTokensRemoved: 0, retries: { total: 1, byReason: { 'messaging/message-rate-exceeded': 1 } }, inFlight: 0 } },
    });
    expect(body.totals.fcm).toMatchObject({ sent: 1, invalidTokensRemoved: 1, failed: { total: 1 }, retries: { total: 1 } });

    const metrics = await (await fetch(`${push.url}/metrics`)).text();
    const series = (name: string, labels: Record<string, string>) => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(series('notify_push_sent_total', { provider: 'apns', app: shop })).toBe(1);
    expect(series('notify_push_sent_total', { provider: 'fcm', app: news })).toBe(1);
    expect(series('notify_push_failed_total', { provider: 'apns', app: shop, reason: 'Unregistered' })).toBe(1);
    expect(series('notify_push_failed_total', { provider: 'fcm', app: shop, reason: 'messaging/registration-token-not-registered' })).toBe(1);
    expect(series('notify_push_retries_total', { provider: 'fcm', app: news, reason: 'messaging/message-rate-exceeded' })).toBe(1);
    expect(series('notify_push_invalid_tokens_removed_total', { provider: 'apns', app: shop })).toBe(1);
    expect(series('notify_push_in_flight', { provider: 'fcm', app: news })).toBe(0);

    await waitFor('both dead tokens reported', () => feedback.length >= 2);
    expect(feedback.sort((a, b) => a.provider.localeCompare(b.provider))).toEqual([
      { version: 1, type: 'device.deactivated', userId: 'stats-alice', token: deadPhone, platform: 'ios', appId: shop, environment: 'sandbox', provider: 'apns', reason: 'Unregistered', description: '410 Unregistered', at: expect.any(String) },
      {
        version: 1,
        type: 'device.deactivated',
        userId: 'stats-carol',
        token: deadTablet,
        platform: 'android',
        appId: shop,
        environment: 'sandbox',
        provider: 'fcm',
        reason: 'messaging/registration-token-not-registered',
        description: expect.stringMatching(/^messaging\/registration-token-not-registered: /),
        at: expect.any(String),
      },
    ]);
  }, 60_000);

  it('shows the stats to ops tokens only', async () => {
    expect((await stats(producerToken)).status).toBe(403);
    expect((await fetch(`${push.url}/v1/push/stats`)).status).toBe(401);
  });
});
