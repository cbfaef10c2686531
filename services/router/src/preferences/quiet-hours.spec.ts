import { describe, expect, it } from 'vitest';
import type { Preferences } from '@notify/store';
import { quietUntil } from './quiet-hours';

const prefs = (start: string, end: string, timeZone = 'Europe/Paris'): Preferences => ({ userId: 'u', optOuts: [], quietHours: { start, end }, timeZone, updatedAt: new Date() });

describe('quietUntil', () => {
  it('finds the end of quiet hours that cross midnight, in the user’s time zone', () => {
    // 22:30 UTC is 23:30 in Paris: inside 22:00–07:00, which ends at 06:00 UTC.
    expect(quietUntil(prefs('22:00', '07:00'), new Date('2026-11-25T22:30:10Z'))).toEqual(new Date('2026-11-26T06:00:00Z'));
    // 05:00 UTC is 06:00 in Paris: still quiet for an hour.
    expect(quietUntil(prefs('22:00', '07:00'), new Date('2026-11-26T05:00:00Z'))).toEqual(new Date('2026-11-26T06:00:00Z'));
  });

  it('says null outside quiet hours, or without any', () => {
    expect(quietUntil(prefs('22:00', '07:00'), new Date('2026-11-25T12:00:00Z'))).toBeNull();
    expect(quietUntil(prefs('13:00', '14:00', 'UTC'), new Date('2026-11-25T14:00:00Z'))).toBeNull();
    expect(quietUntil(prefs('13:00', '14:00', 'UTC'), new Date('2026-11-25T13:59:00Z'))).toEqual(new Date('2026-11-25T14:00:00Z'));
    expect(quietUntil({ userId: 'u', optOuts: [], timeZone: 'UTC', updatedAt: new Date() }, new Date())).toBeNull();
  });
});
