import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApnsEmulator } from '@notify/push-emulators';
import { uniqueName, waitFor } from '@notify/testing';
import { ApnsSender } from '../src/senders/apns-sender';
import { iosToken, producerHeaders, pushNotification, startPush, type PushUnderTest } from './push-harness';

/**
 * Devices changed through the devices API reach the push path of every instance without a restart,
 * with each instance's device cache on: on real Kafka (devices.changes) and the MongoDB-wire server.
 */
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const apnsAuth = { key: p8, keyId: 'KEY1234567', teamId: 'TEAM123456' };
const appId = 'com.example.shop';
const LOOKUPS = 'notify_push_device_cache_lookups_total';
const HEARD = 'notify_push_device_changes_heard_total';

let apns: ApnsEmulator;
let solo: PushUnderTest;
let first: PushUnderTest;
let second: PushUnderTest;

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth: apnsAuth }).start();
  const senders = () => ({ apns: new ApnsSender({ ...apnsAuth, address: apns.address, port: apns.port, ca: apns.ca }) });
  solo = await startPush({ senders: senders() });
  // Two instances of one deployment: they share the lanes' partitions, and each holds its own cache.
  const deployment = uniqueName('push-devices');
  first = await startPush({ senders: senders() }, deployment);
  second = await startPush({ senders: senders() }, deployment);
}, 90_000);
afterAll(async () => {
  await second?.stop();
  await first?.stop();
  await solo?.stop();
  await apns?.stop();
});
beforeEach(() => apns.reset());

const devicesApi = (instance: PushUnderTest, method: 'PUT' | 'DELETE', userId: string, token: string) =>
  fetch(`${instance.url}/v1/users/${userId}/devices/${token}`, {
    method,
    headers: method === 'PUT' ? producerHeaders : { authorization: producerHeaders.authorization },
    ...(method === 'PUT' ? { body: JSON.stringify({ platform: 'ios', appId, environment: 'sandbox' }) } : {}),
  });
/** Pushes one notification through `via` and waits for its outcome: `sent` for each of `devices` devices, or one other status. */
async function pushAndSettle(via: PushUnderTest, userId: string, devices: number) {
  const n = pushNotification(userId);
  const statuses = () => via.statuses.filter((s) => s.notificationId === n.notificationId);
  await via.push('transactional', n);
  await waitFor(`the outcome of ${n.notificationId}`, () => (devices > 0 && statuses().filter((s) => s.status === 'sent').length === devices) || statuses().some((s) => s.status !== 'sent'), { timeoutMs: 15_000 });
  return statuses().map((s) => s.status);
}

/** Which instance's lanes hold this user's partition: the one whose cache looked the user up. */
async function lookupsOf(instance: PushUnderTest) {
  return { miss: await instance.counter(LOOKUPS, { result: 'miss' }), hit: await instance.counter(LOOKUPS, { result: 'hit' }) };
}

describe('device changes reach the push path without a restart', () => {
  it('stops pushing to a device as soon as the devices API has unregistered it', async () => {
    const phone = iosToken('ana-phone');
    expect((await devicesApi(solo, 'PUT', 'ana', phone)).status).toBe(201);
    expect(await pushAndSettle(solo, 'ana', 1)).toEqual(['sent']);
    expect(await pushAndSettle(solo, 'ana', 1)).toEqual(['sent']);
    // The second push was answered from the cache.
    expect(await solo.counter(LOOKUPS, { result: 'miss' })).toBe(1);
    expect(await solo.counter(LOOKUPS, { result: 'hit' })).toBe(1);
    expect(apns.received.filter((r) => r.token === phone)).toHaveLength(2);

    expect((await devicesApi(solo, 'DELETE', 'ana', phone)).status).toBe(204);
    // Pushed at once, without waiting for the notice: the instance that made the change dropped its entry.
    expect(await pushAndSettle(solo, 'ana', 0)).toEqual(['suppressed']);
    expect(apns.received.filter((r) => r.token === phone)).toHaveLength(2);

    expect((await devicesApi(solo, 'PUT', 'ana', phone)).status).toBe(201);
    expect(await pushAndSettle(solo, 'ana', 1)).toEqual(['sent']);
    expect(apns.received.filter((r) => r.token === phone)).toHaveLength(3);
  }, 60_000);

  it('stops pushing to a device unregistered through another instance, once that instance’s notice is heard', async () => {
    const phone = iosToken('ben-phone');
    const tablet = iosToken('ben-tablet');
    expect((await devicesApi(first, 'PUT', 'ben', phone)).status).toBe(201);
    expect((await devicesApi(first, 'PUT', 'ben', tablet)).status).toBe(201);

    const before = { first: await lookupsOf(first), second: await lookupsOf(second) };
    expect(await pushAndSettle(first, 'ben', 2)).toEqual(['sent', 'sent']);
    expect(await pushAndSettle(first, 'ben', 2)).toEqual(['sent', 'sent']);
    const after = { first: await lookupsOf(first), second: await lookupsOf(second) };
    // One instance pushes for ben: it read his devices once and answered the second push from memory.
    const owner = after.first.miss > before.first.miss ? first : second;
    const other = owner === first ? second : first;
    const ownerBefore = owner === first ? before.first : before.second;
    const ownerAfter = owner === first ? after.first : after.second;
    expect(ownerAfter.miss - ownerBefore.miss).toBe(1);
    expect(ownerAfter.hit - ownerBefore.hit).toBeGreaterThanOrEqual(1);

    // The change is made through the instance that does not push for ben: only devices.changes tells the owner.
    const heardBefore = await owner.counter(HEARD, { change: 'unregistered' });
    expect((await devicesApi(other, 'DELETE', 'ben', tablet)).status).toBe(204);
    await waitFor('the owner to hear the change', async () => (await owner.counter(HEARD, { change: 'unregistered' })) > heardBefore, { timeoutMs: 10_000 });

    apns.reset();
    expect(await pushAndSettle(first, 'ben', 1)).toEqual(['sent']);
    expect(apns.received.map((r) => r.token)).toEqual([phone]);
    // The owner read the store again instead of using what it held.
    expect((await lookupsOf(owner)).miss).toBe(ownerAfter.miss + 1);

    // A device registered through the other instance is pushed to by the owner as well.
    const heardRegistered = await owner.counter(HEARD, { change: 'registered' });
    expect((await devicesApi(other, 'PUT', 'ben', tablet)).status).toBe(201);
    await waitFor('the owner to hear the registration', async () => (await owner.counter(HEARD, { change: 'registered' })) > heardRegistered, { timeoutMs: 10_000 });
    apns.reset();
    expect(await pushAndSettle(first, 'ben', 2)).toEqual(['sent', 'sent']);
    expect(apns.received.map((r) => r.token).sort()).toEqual([phone, tablet].sort());
  }, 90_000);
});
