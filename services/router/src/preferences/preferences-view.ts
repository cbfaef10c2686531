import type { PreferencesState } from '@notify/contracts';
import type { Preferences } from '@notify/store';

/**
 * This router's copy of every user's preferences, kept from the compacted `preferences.state` topic,
 * so routing an event looks them up in memory instead of reading the database. It holds one entry
 * per user who ever set a preference: that is the state itself, not a cache, so it is not trimmed
 * (`size` is exported as a gauge). A user with no entry has the defaults.
 */
export class PreferencesView {
  private readonly byUser = new Map<string, Preferences>();

  apply(state: PreferencesState): void {
    const current = this.byUser.get(state.userId);
    const updatedAt = new Date(state.updatedAt);
    // A compacted topic replays in order, but two routers may publish one user's changes close together.
    if (current && current.updatedAt > updatedAt) return;
    const { version: _version, updatedAt: _at, ...fields } = state;
    this.byUser.set(state.userId, { ...fields, updatedAt });
  }

  get(userId: string): Preferences | null {
    return this.byUser.get(userId) ?? null;
  }

  get size(): number {
    return this.byUser.size;
  }
}

/** The topic's message for a user's preferences as stored. */
export function preferencesState(preferences: Preferences): PreferencesState {
  return {
    version: 1,
    userId: preferences.userId,
    optOuts: preferences.optOuts,
    timeZone: preferences.timeZone,
    ...(preferences.quietHours ? { quietHours: preferences.quietHours } : {}),
    ...(preferences.locale ? { locale: preferences.locale } : {}),
    ...(preferences.budgets ? { budgets: preferences.budgets } : {}),
    updatedAt: preferences.updatedAt.toISOString(),
  };
}
