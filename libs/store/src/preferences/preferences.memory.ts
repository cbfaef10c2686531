import { DEFAULT_TIME_ZONE, type Preferences, type PreferencesPatch, type PreferencesRepository } from './preferences.types';

export class MemoryPreferencesRepository implements PreferencesRepository {
  private readonly byUser = new Map<string, Preferences>();

  async get(userId: string): Promise<Preferences | null> {
    const prefs = this.byUser.get(userId);
    return prefs ? structuredClone(prefs) : null;
  }

  async upsert(userId: string, patch: PreferencesPatch): Promise<Preferences> {
    const current = this.byUser.get(userId) ?? { userId, optOuts: [], timeZone: DEFAULT_TIME_ZONE, updatedAt: new Date() };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next: Preferences = { ...current, ...structuredClone(defined), userId, updatedAt: new Date() };
    this.byUser.set(userId, next);
    return structuredClone(next);
  }
}
