import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';

export function preferencesContract(fixture: StoreFixture): void {
  it('has no preferences until set, then merges changes', async () => {
    const { preferences } = fixture.store();
    expect(await preferences.get('alice')).toBeNull();
    const created = await preferences.upsert('alice', { timeZone: 'Europe/Paris', optOuts: [{ category: 'offers', channel: 'push' }] });
    expect(created).toMatchObject({ userId: 'alice', timeZone: 'Europe/Paris', optOuts: [{ category: 'offers', channel: 'push' }] });
    const merged = await preferences.upsert('alice', { quietHours: { start: '22:00', end: '07:00' }, locale: 'fr-FR' });
    expect(merged).toMatchObject({ timeZone: 'Europe/Paris', locale: 'fr-FR', quietHours: { start: '22:00', end: '07:00' }, optOuts: [{ category: 'offers', channel: 'push' }] });
    expect(await preferences.get('alice')).toEqual(merged);
  });

  it('defaults the time zone to UTC and opt-outs to none', async () => {
    const { preferences } = fixture.store();
    expect(await preferences.upsert('bob', { locale: 'en-GB' })).toMatchObject({ timeZone: 'UTC', optOuts: [], locale: 'en-GB' });
  });
}
