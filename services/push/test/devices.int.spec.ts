import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iosToken, producerHeaders, senderToken, startPush, type PushUnderTest } from './push-harness';
import { startProviders, type ProvidersUnderTest } from './providers-under-test';

let providers: ProvidersUnderTest;
let push: PushUnderTest;
beforeAll(async () => {
  providers = await startProviders();
  push = await startPush({ senders: providers.senders() });
});
afterAll(async () => {
  await push?.stop();
  await providers?.stop();
});

const put = (userId: string, token: string, body: unknown, headers: Record<string, string> = producerHeaders) =>
  fetch(`${push.url}/v1/users/${userId}/devices/${token}`, { method: 'PUT', headers, body: JSON.stringify(body) });
const list = async (userId: string) => ((await (await fetch(`${push.url}/v1/users/${userId}/devices`, { headers: producerHeaders })).json()) as { devices: Array<{ tokenSuffix: string; platform: string; kind: string; activityId?: string }> }).devices;

describe('devices API', () => {
  const phone = iosToken('alice-phone');

  it('registers a device, and the same token again updates it instead of adding one', async () => {
    const first = await put('alice', phone, { platform: 'ios', appId: 'com.example.shop', environment: 'sandbox', locale: 'fr-FR', timeZone: 'Europe/Paris' });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ device: { userId: 'alice', platform: 'ios', appId: 'com.example.shop', environment: 'sandbox', locale: 'fr-FR', active: true, tokenSuffix: phone.slice(-8) } });
    const again = await put('alice', phone, { platform: 'ios', appId: 'com.example.shop', environment: 'production', locale: 'de-DE' });
    expect(again.status).toBe(200);
    expect(await list('alice')).toEqual([expect.objectContaining({ tokenSuffix: phone.slice(-8), environment: 'production', locale: 'de-DE' })]);
  });

  it('moves a token that registers under another user (re-login) away from the previous one', async () => {
    const moved = await put('bob', phone, { platform: 'ios', appId: 'com.example.shop' });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ movedFromUserId: 'alice', device: { userId: 'bob' } });
    expect(await list('alice')).toEqual([]);
    expect(await list('bob')).toHaveLength(1);
  });

  it('unregisters, and says so when there is nothing to unregister', async () => {
    const android = 'fcm-token-carol-0123456789:APA91b';
    expect((await put('carol', android, { platform: 'android', appId: 'com.example.shop' })).status).toBe(201);
    expect((await fetch(`${push.url}/v1/users/carol/devices/${android}`, { method: 'DELETE', headers: { authorization: producerHeaders.authorization } })).status).toBe(204);
    expect(await list('carol')).toEqual([]);
    const again = await fetch(`${push.url}/v1/users/carol/devices/${android}`, { method: 'DELETE', headers: { authorization: producerHeaders.authorization } });
    expect(again.status).toBe(404);
  });

  it('answers bad requests with a 4xx and the reason', async () => {
    const bad = await put('dave', iosToken('dave'), { platform: 'blackberry', appId: '', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    const { error } = (await bad.json()) as { error: { message: string } };
    expect(error.message).toContain('platform');
    expect(error.message).toContain('appId');
    expect(error.message).toContain('must be an IANA time zone');
    expect((await put('dave', 'short', { platform: 'ios', appId: 'x' })).status).toBe(400);
    expect((await put('dave', iosToken('dave'), { platform: 'ios', appId: 'x', extra: 1 })).status).toBe(400);
    expect((await put('dave', iosToken('dave'), { platform: 'ios', appId: 'x' }, { 'content-type': 'application/json' })).status).toBe(401);
  });

  it('registers a Live Activity’s push token under its activity id, beside the user’s phone', async () => {
    const activity = iosToken('frank-order-42');
    expect((await put('frank', iosToken('frank-phone'), { platform: 'ios', appId: 'com.example.shop' })).status).toBe(201);
    const registered = await put('frank', activity, { platform: 'ios', appId: 'com.example.shop', kind: 'liveactivity', activityId: 'order-42' });
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({ device: { userId: 'frank', kind: 'liveactivity', activityId: 'order-42', tokenSuffix: activity.slice(-8) } });
    expect((await list('frank')).map((d) => [d.tokenSuffix, d.kind, d.activityId])).toEqual([
      [iosToken('frank-phone').slice(-8), 'device', undefined],
      [activity.slice(-8), 'liveactivity', 'order-42'],
    ]);
  });

  it('refuses a Live Activity token that is not iOS or has no activity id, and an activity id on an ordinary device', async () => {
    const message = async (body: unknown) => {
      const answer = await put('grace', iosToken('grace-order'), body);
      expect(answer.status).toBe(400);
      return ((await answer.json()) as { error: { message: string } }).error.message;
    };
    expect(await message({ platform: 'android', appId: 'com.example.shop', kind: 'liveactivity', activityId: 'order-7' })).toContain('must be "ios" for a Live Activity token');
    expect(await message({ platform: 'ios', appId: 'com.example.shop', kind: 'liveactivity' })).toContain('activityId');
    expect(await message({ platform: 'ios', appId: 'com.example.shop', activityId: 'order-7' })).toContain('only goes with kind "liveactivity"');
    expect(await message({ platform: 'ios', appId: 'com.example.shop', kind: 'widget', activityId: 'order-7' })).toContain('kind');
    expect(await list('grace')).toEqual([]);
  });

  it('refuses a device no configured provider can reach, naming the settings', async () => {
    const apnsOnly = await startPush({ senders: { apns: providers.senders().apns } });
    try {
      const web = await fetch(`${apnsOnly.url}/v1/users/henry/devices/fcm-web-henry-0123456789`, { method: 'PUT', headers: producerHeaders, body: JSON.stringify({ platform: 'web', appId: 'shop-web' }) });
      expect(web.status).toBe(400);
      expect(((await web.json()) as { error: { message: string } }).error.message).toBe('platform: web devices cannot be reached: this push service has no FCM service account (FCM_SERVICE_ACCOUNT)');
      expect((await fetch(`${apnsOnly.url}/v1/users/henry/devices/${iosToken('henry')}`, { method: 'PUT', headers: producerHeaders, body: JSON.stringify({ platform: 'ios', appId: 'x' }) })).status).toBe(201);
    } finally {
      await apnsOnly.stop();
    }
  });

  it('keeps the app’s own routes off without a way to check users’ tokens, saying which settings turn them on', async () => {
    const answer = await fetch(`${push.url}/v1/me/devices`, { headers: { authorization: 'Bearer x.y.z' } });
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL');
  });

  it('refuses a team token without the devices scopes, naming the one it lacks', async () => {
    const sender = { 'content-type': 'application/json', authorization: `Bearer ${senderToken}` };
    const listed = await fetch(`${push.url}/v1/users/bob/devices`, { headers: sender });
    expect(listed.status).toBe(403);
    expect(((await listed.json()) as { error: { message: string } }).error.message).toContain('lacks the scope devices:read');
    const registered = await put('erin', iosToken('erin'), { platform: 'ios', appId: 'x' }, sender);
    expect(registered.status).toBe(403);
    expect(((await registered.json()) as { error: { message: string } }).error.message).toContain('lacks the scope devices:write');
    expect(await list('erin')).toEqual([]);
  });
});
