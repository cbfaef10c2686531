import { describe, expect, it } from 'vitest';
import type { DigestBucket } from '@notify/store';
import { RuleDefinition } from '../rules/rule-definition';
import { recordReads } from '../send-time/read-histogram';
import { digestFlushAt, scheduleDigest } from './digest-schedule';
import { digestNotification, renderTemplate } from './render-digest';

describe('digestFlushAt', () => {
  const now = new Date('2026-11-25T10:30:20Z');

  it('ends a plain window after windowMs', () => {
    expect(digestFlushAt({ windowMs: 60_000 }, now)).toEqual(new Date('2026-11-25T10:31:20Z'));
  });

  it('sends at the next occurrence of the local time in the user’s time zone', () => {
    // 10:30 UTC is 11:30 in Paris (UTC+1 in November): 09:00 Paris is tomorrow 08:00 UTC.
    expect(digestFlushAt({ windowMs: 60_000, sendAt: '09:00' }, now, 'Europe/Paris')).toEqual(new Date('2026-11-26T08:00:00Z'));
    // 18:00 Paris is today 17:00 UTC.
    expect(digestFlushAt({ windowMs: 60_000, sendAt: '18:00' }, now, 'Europe/Paris')).toEqual(new Date('2026-11-25T17:00:00Z'));
    // 10:30 UTC is 19:30 in Tokyo; 20:00 Tokyo is 11:00 UTC.
    expect(digestFlushAt({ windowMs: 60_000, sendAt: '20:00' }, now, 'Asia/Tokyo')).toEqual(new Date('2026-11-25T11:00:00Z'));
  });

  it('sends at the local time asked for across a daylight saving change', () => {
    // Saturday 10:00 in Paris (UTC+2); the clocks go back that night: Sunday 09:00 is 08:00 UTC, not 07:00.
    expect(digestFlushAt({ windowMs: 60_000, sendAt: '09:00' }, new Date('2026-10-24T08:00:00Z'), 'Europe/Paris')).toEqual(new Date('2026-10-25T08:00:00Z'));
    // New York springs forward on Sunday 8 March 2026: from Saturday 20:30 (UTC-5), Sunday 20:00 (UTC-4) is 00:00 UTC on Monday.
    expect(digestFlushAt({ windowMs: 60_000, sendAt: '20:00' }, new Date('2026-03-08T01:30:00Z'), 'America/New_York')).toEqual(new Date('2026-03-09T00:00:00Z'));
    // A time the clock skips that night (02:30 in Paris on 29 March 2026) goes out an hour later, at 03:30.
    expect(digestFlushAt({ windowMs: 60_000, sendAt: '02:30' }, new Date('2026-03-28T12:00:00Z'), 'Europe/Paris')).toEqual(new Date('2026-03-29T01:30:00Z'));
  });
});

describe('scheduleDigest at the user’s best hour', () => {
  const now = new Date('2026-12-02T03:00:00Z'); // 12:00 in Tokyo
  const batching = { windowMs: 60_000, sendAt: 'best', fallbackAt: '09:00' };
  const readAt2010Tokyo = (days: number) => recordReads(null, 'zoe', Array.from({ length: days }, (_, i) => new Date(Date.UTC(2026, 11, 1 - i, 11, 10))), 'Asia/Tokyo', now).profile;

  it('sends at the fallback while too little is known, then at the learned hour, on the user’s clock', () => {
    expect(scheduleDigest(batching, now, 'Asia/Tokyo', null)).toMatchObject({ flushAt: new Date('2026-12-03T00:00:00Z'), sendTime: { sendAt: '09:00', source: 'fallback', hour: null } });
    expect(scheduleDigest(batching, now, 'Asia/Tokyo', readAt2010Tokyo(3))).toMatchObject({ flushAt: new Date('2026-12-03T00:00:00Z'), sendTime: { source: 'fallback', hour: 20 } });
    expect(scheduleDigest(batching, now, 'Asia/Tokyo', readAt2010Tokyo(6))).toMatchObject({ flushAt: new Date('2026-12-02T11:00:00Z'), sendTime: { sendAt: '20:00', source: 'learned', hour: 20, samples: 6 } });
  });

  it('leaves a fixed sendAt and a plain window as they were', () => {
    expect(scheduleDigest({ windowMs: 60_000, sendAt: '18:00' }, now, 'Asia/Tokyo', readAt2010Tokyo(6))).toEqual({ flushAt: new Date('2026-12-02T09:00:00Z') });
    expect(scheduleDigest({ windowMs: 60_000 }, now, 'Asia/Tokyo', readAt2010Tokyo(6))).toEqual({ flushAt: new Date('2026-12-02T03:01:00Z') });
  });

  it('is a rule ops can write: "best" takes a fallbackAt, and only "best" does', () => {
    const problems = (batching: Record<string, unknown>) => {
      const parsed = RuleDefinition.safeParse({ match: {}, outcome: { priority: 'marketing', batching: { windowMs: 60_000, maxItems: 5, title: 't', ...batching } } });
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ sendAt: 'best', fallbackAt: '09:00' })).toEqual([]);
    expect(problems({ sendAt: 'best' })).toEqual(['outcome.batching.fallbackAt: sendAt "best" needs a fallbackAt (HH:MM), used until the user’s reads say better']);
    expect(problems({ sendAt: '09:00', fallbackAt: '10:00' })).toEqual(['outcome.batching.fallbackAt: fallbackAt applies to sendAt "best" only']);
    expect(problems({ sendAt: 'best', fallbackAt: '9am' })).toEqual(['outcome.batching.fallbackAt: HH:MM, 24-hour']);
  });
});

describe('digestNotification', () => {
  const bucket: DigestBucket = {
    bucketId: 'b1',
    userId: 'alice',
    digestKey: 'offers',
    status: 'closed',
    items: [
      { eventId: 'e1', title: '20% off shoes', at: new Date('2026-11-25T10:00:00Z') },
      { eventId: 'e2', title: 'New arrivals', body: 'Winter coats', at: new Date('2026-11-25T10:05:00Z') },
    ],
    openedAt: new Date(),
    flushAt: new Date(),
    maxItems: 10,
  };

  it('renders the template and carries the items', () => {
    expect(renderTemplate('{{count}} new offers, latest: {{latest.title}} {{unknown}}', bucket)).toBe('2 new offers, latest: New arrivals {{unknown}}');
    const notification = digestNotification(bucket, { title: '{{count}} new offers' }, new Date('2026-11-25T11:00:00Z'));
    expect(notification).toMatchObject({
      notificationId: 'digest:b1',
      userId: 'alice',
      priority: 'marketing',
      content: { title: '2 new offers', body: '20% off shoes · New arrivals' },
      digest: { count: 2, eventIds: ['e1', 'e2'] },
    });
  });
});
