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

  it('replaces a list it is given instead of merging it', async () => {
    const { preferences } = fixture.store();
    await preferences.upsert('alice', { optOuts: [{ category: 'offers', channel: 'push' }] });
    expect((await preferences.upsert('alice', { optOuts: [{ category: 'news', channel: 'all' }] })).optOuts).toEqual([{ category: 'news', channel: 'all' }]);
    expect((await preferences.upsert('alice', { optOuts: [] })).optOuts).toEqual([]);
    expect((await preferences.get('alice'))!.optOuts).toEqual([]);
  });

  it('creates one record when first changes race, and keeps users apart', async () => {
    const { preferences } = fixture.store();
    const results = await Promise.all(['en-GB', 'fr-FR', 'de-DE', 'it-IT', 'es-ES'].map((locale) => preferences.upsert('alice', { locale })));
    expect(results.every((r) => r.userId === 'alice' && r.timeZone === 'UTC')).toBe(true);
    expect(['en-GB', 'fr-FR', 'de-DE', 'it-IT', 'es-ES']).toContain((await preferences.get('alice'))!.locale);
    expect(await preferences.get('bob')).toBeNull();
  });
}
