import { describe, expect, it } from 'vitest';
import type { DigestBucket } from '@notify/store';
import { digestFlushAt } from './digest-schedule';
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
