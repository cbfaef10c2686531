import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApnsEmulator, FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator, type EmulatedFirebase } from '@notify/push-emulators/firebase-harness';
import { sleep, waitFor } from '@notify/testing';
import { ApnsSender } from '../src/senders/apns-sender';
import { FCM_BATCH_LIMIT, FcmSender } from '../src/senders/fcm-sender';
import { ProjectThrottle } from '../src/senders/project-throttle';
import { iosToken, pushNotification, startPush, type PushUnderTest } from './push-harness';

/**
 * The push service on the real Kafka and MongoDB-wire server, sending with the real node-apn and
 * firebase-admin to the local APNs and FCM emulators.
 */
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const apnsAuth = { key: p8, keyId: 'KEY1234567', teamId: 'TEAM123456' };
let apns: ApnsEmulator;
let fcm: FcmEmulator;
let firebase: EmulatedFirebase;
let push: PushUnderTest;
const appId = 'com.example.shop';

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth: apnsAuth }).start();
  fcm = await new FcmEmulator({ projectId: 'notify-test' }).start();
  firebase = connectFirebaseToEmulator(fcm, { projectId: 'notify-test' });
  push = await startPush({
    senders: {
      apns: new ApnsSender({ ...apnsAuth, address: apns.address, port: apns.port, ca: apns.ca }),
      // FCM's floor of a minute, cut to 3 s for the test.
      fcm: new FcmSender(firebase.messaging, FCM_BATCH_LIMIT, new ProjectThrottle({ floorMs: 3000, maxMs: 10_000 })),
    },
    retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2000 },
  });
});
afterAll(async () => {
  await push?.stop();
  await firebase?.close();
  await apns?.stop();
  await fcm?.stop();
});
beforeEach(() => {
  apns.reset();
  fcm.reset();
});

const register = (userId: string, token: string, platform: 'ios' | 'android' = 'ios') => push.running.deps.store.devices.register({ token, userId, platform, appId, environment: 'sandbox' });
const statusesOf = (notificationId: string) => push.statuses.filter((s) => s.notificationId === notificationId);

describe('push delivery', () => {
  it('pushes a transactional notification to every device of the user at high priority', async () => {
    await register('alice', iosToken('alice-phone'));
    await register('alice', 'fcm-alice-tablet-0123456789', 'android');
    const n = pushNotification('alice', { collapseKey: 'payments' });
    await push.push('transactional', n);
    await waitFor('both sent', () => statusesOf(n.notificationId).filter((s) => s.status === 'sent').length === 2);
    expect(apns.received).toHaveLength(1);
    expect(apns.received[0]).toMatchObject({ token: iosToken('alice-phone'), headers: { topic: appId, priority: '10', collapseId: 'payments' }, status: 200 });
    expect(fcm.received).toHaveLength(1);
    expect(fcm.received[0]).toMatchObject({ status: 200 });
    expect(JSON.stringify(fcm.received[0])).toContain('"priority":"high"');
    expect(statusesOf(n.notificationId).map((s) => s.channel).sort()).toEqual(['apns', 'fcm']);
  });

  it('sends bulk-lane marketing at low priority', async () => {
    await register('bob', iosToken('bob-phone'));
    const n = pushNotification('bob', { priority: 'marketing', category: 'offers', digest: { count: 3, eventIds: ['a', 'b', 'c'] } });
    await push.push('bulk', n);
    await waitFor('sent', () => statusesOf(n.notificationId).some((s) => s.status === 'sent'));
    expect(apns.received[0]).toMatchObject({ headers: { priority: '5' } });
  });

  it('deactivates a device whose token the provider says is dead, with the reason', async () => {
    const deadPhone = iosToken('carol-old-phone');
    await register('carol', deadPhone);
    await register('carol', 'fcm-carol-dead-0123456789', 'android');
    apns.unregister(deadPhone);
    fcm.unregister('fcm-carol-dead-0123456789');
    const n = pushNotification('carol');
    await push.push('transactional', n);
    await waitFor('both failed', () => statusesOf(n.notificationId).filter((s) => s.status === 'failed').length === 2);
    expect(statusesOf(n.notificationId).map((s) => s.reason).sort()).toEqual([
      expect.stringMatching(/^invalid token, device deactivated: .*Unregistered/),
      expect.stringMatching(/^invalid token, device deactivated: .*registration-token-not-registered/),
    ]);
    expect(await push.running.deps.store.devices.listActive('carol')).toEqual([]);
    const next = pushNotification('carol');
    await push.push('transactional', next);
    await waitFor('no device left', () => statusesOf(next.notificationId).some((s) => s.status === 'suppressed'));
  });

  it('retries a throttled provider with backoff, and gives up with the reason after the last attempt', async () => {
    await register('dave', 'fcm-dave-0123456789', 'android');
    // FCM's retry-after (1 s) holds the project's sends, twice: longer than the backoffs (50–100 ms, then 100–200 ms).
    fcm.throttle(2, 1);
    const throttled = pushNotification('dave');
    const started = Date.now();
    await push.push('transactional', throttled);
    await waitFor('sent after the retries', () => statusesOf(throttled.notificationId).some((s) => s.status === 'sent'), { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(fcm.received.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(statusesOf(throttled.notificationId).find((s) => s.status === 'sent')?.detail).toMatchObject({ attempt: 3 });

    fcm.reset();
    fcm.fail(100, 500);
    const failing = pushNotification('dave');
    await push.push('transactional', failing);
    await waitFor('given up', () => statusesOf(failing.notificationId).some((s) => s.status === 'failed'), { timeoutMs: 15_000 });
    expect(statusesOf(failing.notificationId).find((s) => s.status === 'failed')?.reason).toMatch(/^gave up after 3 attempts: .*internal-error/);
    expect(fcm.received).toHaveLength(3);
    expect(await push.running.deps.store.devices.listActive('dave')).toHaveLength(1);
  });

  it('waits the Retry-After APNs sent before pushing the device again', async () => {
    await register('gina', iosToken('gina-phone'));
    apns.throttle(1, 2);
    const n = pushNotification('gina');
    await push.push('transactional', n);
    await waitFor('sent after the wait', () => statusesOf(n.notificationId).some((s) => s.status === 'sent'), { timeoutMs: 10_000 });
    const [throttled, retried] = apns.received;
    expect(apns.received.map((r) => r.status)).toEqual([429, 200]);
    // The retry policy alone would wait 50–100 ms.
    expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(1995);
    expect(statusesOf(n.notificationId).find((s) => s.status === 'sent')?.detail).toMatchObject({ attempt: 2 });
  });

  it('holds every FCM push of the project after a 429, other users’ devices too, then pushes them all', async () => {
    await register('hana', 'fcm-hana-0123456789', 'android');
    await register('ivan', 'fcm-ivan-0123456789', 'android');
    // No retry-after: the project's floor (3 s here) decides.
    fcm.throttle(1);
    const first = pushNotification('hana');
    await push.push('transactional', first);
    const [quota] = await fcm.waitForReceived(1);
    const second = pushNotification('ivan');
    await push.push('transactional', second);
    await waitFor('both sent', () => [first, second].every((n) => statusesOf(n.notificationId).some((s) => s.status === 'sent')), { timeoutMs: 15_000 });

    const at = (token: string) => fcm.received.filter((r) => r.token === token && r.status === 200).map((r) => r.at)[0]!;
    expect(quota).toMatchObject({ token: 'fcm-hana-0123456789', status: 429 });
    // Ivan's push reached the lane at once, and went out only when the project's pause was over.
    expect(at('fcm-ivan-0123456789') - quota!.at).toBeGreaterThanOrEqual(2995);
    expect(at('fcm-hana-0123456789') - quota!.at).toBeGreaterThanOrEqual(2995);
    expect(fcm.received.map((r) => r.status)).toEqual([429, 200, 200]);
  });

  it('pushes a redelivered notification to no device twice', async () => {
    await register('erin', iosToken('erin-phone'));
    const n = pushNotification('erin');
    await push.push('transactional', n);
    await waitFor('sent', () => statusesOf(n.notificationId).some((s) => s.status === 'sent'));
    await push.push('transactional', n);
    await waitFor('recognised as a duplicate', () => statusesOf(n.notificationId).some((s) => s.status === 'duplicate'));
    expect(apns.received).toHaveLength(1);
  });

  it('sends one notification to many devices of a user in one provider call', async () => {
    const tokens = Array.from({ length: 5 }, (_, i) => `fcm-frank-${i}-0123456789`);
    for (const token of tokens) await register('frank', token, 'android');
    const n = pushNotification('frank');
    await push.push('transactional', n);
    await waitFor('five sent', () => statusesOf(n.notificationId).filter((s) => s.status === 'sent').length === 5);
    expect(fcm.received.map((r) => r.token).sort()).toEqual(tokens.sort());
  });
});

describe('lanes', () => {
  it('gets a transactional push out while thousands of bulk pushes are queued', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `bulk-user-${i}`);
    for (const user of users) await register(user, `fcm-${user}-0123456789`, 'android');
    await register('urgent', iosToken('urgent-phone'));
    const bulk = Array.from({ length: 10_000 }, (_, i) => pushNotification(users[i % users.length]!, { priority: 'marketing' }));
    for (let i = 0; i < bulk.length; i += 1000) await push.push('bulk', ...bulk.slice(i, i + 1000));
    await waitFor('the bulk lane to be busy', () => fcm.receivedCount > 20, { timeoutMs: 30_000 });
    const before = fcm.receivedCount;
    await sleep(500);
    const urgent = pushNotification('urgent', { priority: 'critical' });
    const writtenAt = Date.now();
    await push.push('transactional', urgent);
    await waitFor('the urgent push at APNs', () => apns.received.some((r) => r.token === iosToken('urgent-phone')), { timeoutMs: 10_000 });
    const tookMs = Date.now() - writtenAt;
    const bulkDone = fcm.receivedCount;
    console.log(`transactional push reached APNs in ${tookMs} ms with ${bulk.length - bulkDone} of ${bulk.length} bulk pushes still queued`);
    expect(bulk.length - bulkDone).toBeGreaterThan(5000);
    expect(tookMs).toBeLessThan(2000);
    // The bulk lane is paced by its rate limit (500/s here) and merges its FCM sends.
    await sleep(1000);
    expect(fcm.receivedCount - before).toBeLessThan(1000);
    const metrics = await push.running.deps.metrics.metrics();
    const count = Number(/notify_push_bulk_batch_size_count\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    const sum = Number(/notify_push_bulk_batch_size_sum\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    console.log(`bulk FCM calls: ${count}, ${(sum / count).toFixed(1)} messages per call on average`);
    expect(sum / count).toBeGreaterThan(1);
  }, 120_000);
});
