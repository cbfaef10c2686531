import { describe, expect, it } from 'vitest';
import { LATE_AFTER_MS, Ledger } from './ledger';

describe('chaos ledger', () => {
  const sent = (ledger: Ledger, eventId: string, sentAt: number, phase = 'kill router') => ledger.recordSent({ eventId, userId: 'u1', phase, sentAt });

  it('counts an event delivered by either channel, and lost when it reached neither', () => {
    const ledger = new Ledger();
    sent(ledger, 'a', 1000);
    sent(ledger, 'b', 1000);
    sent(ledger, 'c', 1000);
    ledger.recordInApp('a', 1100);
    ledger.recordPushed('b', 1200);
    const tally = ledger.tally('kill router', 900);
    expect(tally).toMatchObject({ sent: 3, delivered: 2, lost: 1, duplicatesInApp: 0, duplicatesPushed: 0, alsoPushed: 0, worstLatencyMs: 200 });
    expect(ledger.undelivered('kill router').map((e) => e.eventId)).toEqual(['c']);
  });

  it('tells duplicates a client saw from a fallback push of something also shown in-app', () => {
    const ledger = new Ledger();
    sent(ledger, 'a', 1000);
    sent(ledger, 'b', 1000);
    ledger.recordInApp('a', 1100);
    ledger.recordInApp('a', 1300);
    ledger.recordInApp('b', 1100);
    ledger.recordPushed('b', 16_000);
    ledger.recordPushed('b', 16_100);
    expect(ledger.tally('kill router', null)).toMatchObject({ delivered: 2, lost: 0, duplicatesInApp: 1, duplicatesPushed: 1, alsoPushed: 1 });
    expect(ledger.alsoPushed('kill router').map((e) => e.eventId)).toEqual(['b']);
  });

  it('recovers when the last late delivery arrived, counted from the fault; only its own phase counts', () => {
    const ledger = new Ledger();
    sent(ledger, 'on-time', 10_000);
    sent(ledger, 'late', 10_000);
    sent(ledger, 'later', 11_000);
    sent(ledger, 'other phase', 10_000, 'baseline');
    ledger.recordInApp('on-time', 10_050);
    ledger.recordInApp('late', 10_000 + LATE_AFTER_MS + 1);
    ledger.recordPushed('later', 19_000);
    ledger.recordInApp('other phase', 30_000);
    const tally = ledger.tally('kill router', 9_000);
    expect(tally.recoveredAfterMs).toBe(10_000);
    expect(tally.worstLatencyMs).toBe(8_000);
    expect(tally.sent).toBe(3);
    expect(new Ledger().tally('kill router', 9_000).recoveredAfterMs).toBe(0);
  });
});
