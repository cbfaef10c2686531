export type PreferenceChannel = 'inapp' | 'push' | 'all';

export interface Preferences {
  userId: string;
  /** Categories the user does not want, per channel ('all' = every channel). */
  optOuts: Array<{ category: string; channel: PreferenceChannel }>;
  /** Local wall-clock window, e.g. 22:00 to 07:00, in `timeZone`. */
  quietHours?: { start: string; end: string };
  /** IANA time zone name. */
  timeZone: string;
  locale?: string;
  /** The user's own daily interruption budgets, per budget category named by the rules, in place of the rules' numbers. */
  budgets?: BudgetOverride[];
  updatedAt: Date;
}

export interface BudgetOverride {
  category: string;
  pushesPerDay: number;
}

export type PreferencesPatch = Partial<Omit<Preferences, 'userId' | 'updatedAt'>>;

export const DEFAULT_TIME_ZONE = 'UTC';

export interface PreferencesRepository {
  get(userId: string): Promise<Preferences | null>;
  /** Sets the given fields, keeps the others; creates the record with defaults when there is none. */
  upsert(userId: string, patch: PreferencesPatch): Promise<Preferences>;
}
