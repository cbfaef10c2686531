import { createHash } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type DeviceChange } from '@notify/contracts';
import { createTokenVerifier } from '@notify/http';
import { waitFor } from '@notify/testing';
import { pushNotification, startPush, type PushUnderTest } from './push-harness';
import { startProviders, type ProvidersUnderTest } from './providers-under-test';

/**
 * Apps register their own user's devices (/v1/me/devices) with the user's JWT, on the real push
 * service (Kafka, the MongoDB-wire server), with tokens signed by jose as an identity provider would
 * (RS256, issuer and audience checked), and web pushes sent by the real firebase-admin to the FCM
 * emulator.
 */
const issuer = 'https://id.example.com';
const audience = 'shop-app';
const icon = 'https://shop.example.com/icon-192.png';
const MAX_DEVICES = 3;
const RATE_LIMIT = 12;

let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
let providers: ProvidersUnderTest;
let push: PushUnderTest;
const changes: DeviceChange[] = [];
/** A 64-hex-digit APNs token whose last 8 characters (what the API shows) differ per seed. */
const iosToken = (seed: string) => createHash('sha256').update(seed).digest('hex');

beforeAll(async () => {
  keys = await generateKeyPair('RS256');
  providers = await startProviders();
  const verify = await createTokenVerifier({ kind: 'rs256', publicKeyPem: await exportSPKI(keys.publicKey), issuer, audience, maxLifetimeS: 3600 }, { acceptedBy: 'the push service' });
  push = await startPush({ senders: providers.senders({ iconUrl: icon }), verify, maxDevicesPerUser: MAX_DEVICES, userRateLimit: RATE_LIMIT, userRateWindowMs: 60_000 });
  await push.running.deps.bus.subscribe(topics.deviceChanges, { groupId: 'test-device-changes' }, async (m) => void changes.push(m.value));
}, 60_000);
afterAll(async () => {
  await push?.stop();
  await providers?.stop();
});

/** A token for `sub` from the identity provider; `claims` changes what it says. */
async function jwt(sub: string, claims: { iss?: string; aud?: string; exp?: number | string; key?: CryptoKey } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject(sub)
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '10m')
    .sign(claims.key ?? keys.privateKey);
}

const as = async (user: string) => ({ authorization: `Bearer ${await jwt(user)}`, 'content-type': 'application/json' });
const register = async (user: string, token: string, body: unknown = { platform: 'ios', appId: 'com.example.shop' }, headers?: Record<string, string>) =>
  fetch(`${push.url}/v1/me/devices/${token}`, { method: 'PUT', headers: headers ?? (await as(user)), body: JSON.stringify(body) });
const unregister = async (user: string, token: string) => fetch(`${push.url}/v1/me/devices/${token}`, { method: 'DELETE', headers: { authorization: (await as(user)).authorization } });
const mine = async (user: string) => {
  const answer = await fetch(`${push.url}/v1/me/devices`, { headers: { authorization: (await as(user)).authorization } });
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { devices: Array<{ tokenSuffix: string; userId: string; platform: string }> }).devices;
};
const errorOf = async (answer: Response) => ((await answer.json()) as { error: { code: string; message: string } }).error;

describe('apps registering their own devices', () => {
  it('registers, lists and unregisters the signed-in user’s device, announcing each change', async () => {
    const phone = iosToken('alice-phone');
    const first = await register('alice', phone, { platform: 'ios', appId: 'com.example.shop', locale: 'fr-FR' });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ device: { userId: 'alice', platform: 'ios', tokenSuffix: phone.slice(-8), locale: 'fr-FR', active: true }, evicted: [] });
    expect((await register('alice', phone)).status).toBe(200);
    expect((await mine('alice')).map((d) => d.tokenSuffix)).toEqual([phone.slice(-8)]);
    expect((await unregister('alice', phone)).status).toBe(204);
    expect(await mine('alice')).toEqual([]);
    const again = await unregister('alice', phone);
    expect(again.status).toBe(404);
    expect(await errorOf(again)).toEqual({ code: 'NOTIFY_ERR_NOT_FOUND', message: 'you have no device with this token' });
    await waitFor('alice’s changes on devices.changes', () => changes.filter((c) => c.userId === 'alice').length >= 3);
    expect(changes.filter((c) => c.userId === 'alice').map((c) => [c.change, c.tokenSuffix])).toEqual([
      ['registered', phone.slice(-8)],
      ['registered', phone.slice(-8)],
      ['unregistered', phone.slice(-8)],
    ]);
  });

  it('refuses a missing, forged, expired, other-issuer, other-audience or too long-lived token with 401 and the reason', async () => {
    const other = await generateKeyPair('RS256');
    const refusal = async (authorization: string | undefined) => {
      const answer = await register('mallory', iosToken('mallory'), undefined, { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) });
      expect(answer.status).toBe(401);
      return (await errorOf(answer)).message;
    };
    expect(await refusal(undefined)).toBe('send the user’s token as "Authorization: Bearer <jwt>"');
    expect(await refusal(`Bearer ${await jwt('mallory', { key: other.privateKey })}`)).toBe('bad token signature');
    expect(await refusal(`Bearer ${await jwt('mallory', { exp: Math.floor(Date.now() / 1000) - 10 })}`)).toBe('token expired');
    expect(await refusal(`Bearer ${await jwt('mallory', { iss: 'https://evil.example.com' })}`)).toBe('token claim "iss" is not accepted');
    expect(await refusal(`Bearer ${await jwt('mallory', { aud: 'another-app' })}`)).toBe('token claim "aud" is not accepted');
    expect(await refusal(`Bearer ${await jwt('mallory', { exp: '2h' })}`)).toMatch(/^token lives 720\d s; the push service accepts tokens of at most 3600 s$/);
    expect(await refusal('Bearer push-producer-secret-0123456789')).toMatch(/^invalid token/);
    expect((await fetch(`${push.url}/v1/me/devices`)).status).toBe(401);
    expect(await push.running.deps.store.devices.findByToken(iosToken('mallory'))).toBeNull();
  });

  it('never lets a user see or remove another user’s device', async () => {
    const phone = iosToken('bob-phone');
    expect((await register('bob', phone)).status).toBe(201);
    const theft = await unregister('eve', phone);
    expect(theft.status).toBe(404);
    expect(await errorOf(theft)).toEqual({ code: 'NOTIFY_ERR_NOT_FOUND', message: 'you have no device with this token' });
    expect(await mine('eve')).toEqual([]);
    expect((await mine('bob')).map((d) => d.tokenSuffix)).toEqual([phone.slice(-8)]);
  });

  it('moves a token to the user who signs in on a shared device, without telling them who had it', async () => {
    const tablet = 'fcm-shared-tablet-0123456789:APA91b';
    expect((await register('dan', tablet, { platform: 'android', appId: 'com.example.shop' })).status).toBe(201);
    const moved = await register('erin', tablet, { platform: 'android', appId: 'com.example.shop' });
    expect(moved.status).toBe(200);
    const body = await moved.json();
    expect(body).toMatchObject({ device: { userId: 'erin', platform: 'android' } });
    expect(JSON.stringify(body)).not.toContain('dan');
    expect(await mine('dan')).toEqual([]);
    expect((await mine('erin')).map((d) => d.tokenSuffix)).toEqual([tablet.slice(-8)]);
    // The two notices are keyed by different users, so they may arrive in either order.
    await waitFor('dan’s moved_away notice', () => changes.some((c) => c.userId === 'dan' && c.change === 'moved_away'));
    await waitFor('erin’s registered notice', () => changes.some((c) => c.userId === 'erin' && c.change === 'registered' && c.tokenSuffix === tablet.slice(-8)));
  });

  it(`keeps at most ${MAX_DEVICES} devices per user, removing the one registered longest ago`, async () => {
    const phones = [1, 2, 3, 4].map((n) => iosToken(`carol-${n}`));
    for (const phone of phones.slice(0, 3)) expect(((await (await register('carol', phone)).json()) as { evicted: string[] }).evicted).toEqual([]);
    // Phone 1 starts the app again: its registration is the newest, so phone 2 is the one to go.
    expect((await register('carol', phones[0]!)).status).toBe(200);
    const fourth = await register('carol', phones[3]!);
    expect(fourth.status).toBe(201);
    expect(((await fourth.json()) as { evicted: string[] }).evicted).toEqual([phones[1]!.slice(-8)]);
    expect((await mine('carol')).map((d) => d.tokenSuffix).sort()).toEqual([phones[0]!, phones[2]!, phones[3]!].map((p) => p.slice(-8)).sort());
    // A Live Activity's token is counted apart: it evicts no phone.
    const activity = await register('carol', iosToken('carol-order-9'), { platform: 'ios', appId: 'com.example.shop', kind: 'liveactivity', activityId: 'order-9' });
    expect(((await activity.json()) as { evicted: string[] }).evicted).toEqual([]);
    expect(await mine('carol')).toHaveLength(4);
    await waitFor('the eviction on devices.changes', () => changes.some((c) => c.userId === 'carol' && c.change === 'unregistered' && c.tokenSuffix === phones[1]!.slice(-8)));
  });

  it('refuses what the body of the backend’s route would refuse, and a userId in the body', async () => {
    const bad = await register('frank', iosToken('frank'), { platform: 'blackberry', appId: '' });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/^body: platform: .*; appId: /);
    const withUser = await register('frank', iosToken('frank'), { platform: 'ios', appId: 'x', userId: 'someone-else' });
    expect(withUser.status).toBe(400);
    expect((await errorOf(withUser)).message).toContain('userId');
    expect((await register('frank', 'short')).status).toBe(400);
  });

  it(`rate-limits each user to ${RATE_LIMIT} requests a window, with Retry-After, without slowing anyone else`, async () => {
    const headers = await as('rita');
    const answers = [];
    for (let i = 0; i <= RATE_LIMIT; i++) answers.push(await fetch(`${push.url}/v1/me/devices`, { headers }));
    expect(answers.slice(0, RATE_LIMIT).every((a) => a.status === 200)).toBe(true);
    const limited = answers[RATE_LIMIT]!;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await errorOf(limited)).toMatchObject({ code: 'NOTIFY_ERR_RATE_LIMITED', message: expect.stringContaining(`more than ${RATE_LIMIT} requests`) });
    expect((await fetch(`${push.url}/v1/me/devices`, { headers: await as('sam') })).status).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('describes the app’s routes from the schemas they validate with', async () => {
    const doc = (await (await fetch(`${push.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string; tags?: string[]; requestBody?: unknown }>> };
    expect(Object.keys(doc.paths['/v1/me/devices/{token}'] ?? {}).sort()).toEqual(['delete', 'put']);
    expect(doc.paths['/v1/me/devices/{token}']!.put).toMatchObject({ tags: ['devices'], summary: expect.stringContaining('signed-in user'), requestBody: expect.anything() });
    expect(doc.paths['/v1/me/devices']!.get).toMatchObject({ tags: ['devices'] });
    expect(Object.keys(doc.paths['/v1/users/{userId}/devices/{token}'] ?? {}).sort()).toEqual(['delete', 'put']);
  });
});

describe('web devices', () => {
  it('get FCM’s webpush block (title, body, icon, link, TTL, Urgency) and no Android settings', async () => {
    const browser = 'fcm-web-wendy-0123456789:APA91bWeb';
    expect((await register('wendy', browser, { platform: 'web', appId: 'shop-web' })).status).toBe(201);
    const order = pushNotification('wendy', { content: { title: 'Order shipped', body: 'Arrives Friday', deepLink: 'https://shop.example.com/orders/7', data: { orderId: 7 } } });
    const offer = pushNotification('wendy', { priority: 'marketing', content: { title: '20% off', body: 'This weekend only', deepLink: 'shop://offers/20', data: {} } });
    await push.push('transactional', order);
    await push.push('bulk', offer);
    const received = () => providers.fcm.received.filter((r) => r.token === browser && r.status === 200);
    await waitFor('both web pushes at the FCM emulator', () => received().length === 2);
    const byId = (id: string) => received().find((r) => r.message?.data?.notificationId === id)!.message!;
    const transactional = byId(order.notificationId);
    expect(transactional).not.toHaveProperty('android');
    expect(transactional).not.toHaveProperty('notification');
    expect(transactional.webpush).toEqual({
      headers: { TTL: String(28 * 86_400), Urgency: 'high' },
      notification: { title: 'Order shipped', body: 'Arrives Friday', icon },
      fcmOptions: { link: 'https://shop.example.com/orders/7' },
    });
    expect(transactional.data).toEqual({ notificationId: order.notificationId, deepLink: 'https://shop.example.com/orders/7', data: '{"orderId":7}' });
    const marketing = byId(offer.notificationId);
    expect(marketing).not.toHaveProperty('android');
    // An app link FCM cannot open stays in the data for the service worker.
    expect(marketing.webpush).toEqual({ headers: { TTL: String(28 * 86_400), Urgency: 'low' }, notification: { title: '20% off', body: 'This weekend only', icon } });
    expect(marketing.data?.deepLink).toBe('shop://offers/20');
    await waitFor('sent statuses', () => push.statuses.filter((s) => (s.notificationId === order.notificationId || s.notificationId === offer.notificationId) && s.status === 'sent').length === 2);
  });
});
