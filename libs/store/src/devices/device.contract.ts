import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';

export function deviceContract(fixture: StoreFixture): void {
  const ios = { token: 'tok-1', userId: 'alice', platform: 'ios' as const, appId: 'com.example.app', environment: 'sandbox' as const };

  it('registers a token once, however often it is registered', async () => {
    const { devices } = fixture.store();
    await devices.register(ios);
    const again = await devices.register({ ...ios, locale: 'fr-FR' });
    expect(again.previousUserId).toBeUndefined();
    expect(again.device).toMatchObject({ ...ios, locale: 'fr-FR', active: true });
    expect(await devices.countActive('alice')).toBe(1);
  });

  it('moves a token to the user who registered it last (re-login)', async () => {
    const { devices } = fixture.store();
    await devices.register(ios);
    const moved = await devices.register({ ...ios, userId: 'bob' });
    expect(moved.previousUserId).toBe('alice');
    expect(await devices.listActive('alice')).toEqual([]);
    expect((await devices.listActive('bob')).map((d) => d.token)).toEqual(['tok-1']);
  });

  it('deactivates a dead token and reactivates it on registration', async () => {
    const { devices } = fixture.store();
    await devices.register(ios);
    await devices.register({ ...ios, token: 'tok-2', platform: 'android' });
    await devices.deactivate('tok-1', 'Unregistered');
    expect((await devices.listActive('alice')).map((d) => d.token)).toEqual(['tok-2']);
    expect(await devices.findByToken('tok-1')).toMatchObject({ active: false, deactivatedReason: 'Unregistered' });
    const back = await devices.register(ios);
    expect(back.device.active).toBe(true);
    expect(back.device.deactivatedReason).toBeUndefined();
  });

  it("reads several users' active devices at once, in registration order, leaving out users with none", async () => {
    const { devices } = fixture.store();
    await devices.register(ios);
    await devices.register({ ...ios, token: 'tok-2', platform: 'android' });
    await devices.register({ ...ios, token: 'tok-3', userId: 'bob' });
    await devices.register({ ...ios, token: 'tok-4', userId: 'carol' });
    await devices.deactivate('tok-4', 'Unregistered');
    const byUser = await devices.listActiveMany(['alice', 'bob', 'carol', 'dave', 'alice']);
    expect([...byUser.keys()].sort()).toEqual(['alice', 'bob']);
    expect(byUser.get('alice')!.map((d) => d.token)).toEqual(['tok-1', 'tok-2']);
    expect(byUser.get('bob')!.map((d) => d.token)).toEqual(['tok-3']);
    expect(await devices.listActiveMany([])).toEqual(new Map());
  });

  it('unregisters', async () => {
    const { devices } = fixture.store();
    await devices.register(ios);
    expect(await devices.unregister('tok-1')).toBe(true);
    expect(await devices.unregister('tok-1')).toBe(false);
    expect(await devices.findByToken('tok-1')).toBeNull();
  });

  it('keeps one device when the same new token is registered concurrently', async () => {
    const { devices } = fixture.store();
    const results = await Promise.all(Array.from({ length: 10 }, () => devices.register(ios)));
    expect(results.every((r) => r.device.token === 'tok-1' && r.device.active)).toBe(true);
    expect(await devices.countActive('alice')).toBe(1);
    expect(await devices.listActive('alice')).toHaveLength(1);
  });

  it('ignores a dead-token report for a token it does not know', async () => {
    const { devices } = fixture.store();
    await devices.deactivate('nope', 'BadDeviceToken');
    expect(await devices.findByToken('nope')).toBeNull();
    expect(await devices.countActive('alice')).toBe(0);
  });

  it('keeps a Live Activity token apart from the app’s: its kind and activity id, read back and listed', async () => {
    const { devices } = fixture.store();
    const activity = { ...ios, token: 'act-1', kind: 'liveactivity' as const, activityId: 'order-42' };
    expect((await devices.register(ios)).device.kind).toBe('device');
    expect((await devices.register(activity)).device).toMatchObject({ kind: 'liveactivity', activityId: 'order-42', active: true });
    expect(await devices.findByToken('act-1')).toMatchObject({ kind: 'liveactivity', activityId: 'order-42' });
    const listed = await devices.listActive('alice');
    expect(listed.map((d) => [d.token, d.kind, d.activityId])).toEqual([
      ['tok-1', 'device', undefined],
      ['act-1', 'liveactivity', 'order-42'],
    ]);
  });

  it('drops the activity id of a token registered again as an ordinary device', async () => {
    const { devices } = fixture.store();
    await devices.register({ ...ios, kind: 'liveactivity', activityId: 'order-42' });
    const again = await devices.register(ios);
    expect(again.device.kind).toBe('device');
    expect(again.device.activityId).toBeUndefined();
    expect(await devices.findByToken('tok-1')).not.toHaveProperty('activityId');
  });

  it('keeps the first registration time and stamps the latest', async () => {
    const { devices } = fixture.store();
    const first = await devices.register(ios);
    await new Promise((r) => setTimeout(r, 5));
    const again = await devices.register({ ...ios, timeZone: 'Europe/Paris' });
    expect(again.device.createdAt).toEqual(first.device.createdAt);
    expect(again.device.updatedAt.getTime()).toBeGreaterThan(first.device.updatedAt.getTime());
    expect(again.device.timeZone).toBe('Europe/Paris');
  });
}
