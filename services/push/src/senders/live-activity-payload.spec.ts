import { describe, expect, it } from 'vitest';
import type { LiveActivityUpdate } from '@notify/contracts';
import { device, notification } from '../../test/sender-fixtures';
import { buildApnsRequest } from './apns-payload';

const activityToken = device({ kind: 'liveactivity', activityId: 'order-42' });
const forActivity = (liveActivity: LiveActivityUpdate, extra: Parameters<typeof notification>[0] = {}) => notification({ push: { liveActivity }, ...extra });

describe('buildApnsRequest for a Live Activity', () => {
  it('updates it: push type liveactivity on the app’s liveactivity topic at priority 10, with event, content state and the time in seconds', () => {
    const n = forActivity({ activityId: 'order-42', event: 'update', contentState: { stage: 'on its way', etaMinutes: 7 }, staleDate: '2025-01-01T10:30:00.000Z', relevanceScore: 50 });
    const built = buildApnsRequest(n, activityToken, 3);
    expect(built).toMatchObject({ ok: true, trimmed: [] });
    if (!built.ok) return;
    expect(built.request).toEqual({
      topic: 'com.example.shop.push-type.liveactivity',
      pushType: 'liveactivity',
      priority: 10,
      rawPayload: {
        // The event's creation time (2025-01-01T10:00:00Z) in seconds; no badge, no alert, no content of the notification.
        aps: { timestamp: 1735725600, event: 'update', 'content-state': { stage: 'on its way', etaMinutes: 7 }, 'stale-date': 1735727400, 'relevance-score': 50 },
        notificationId: n.notificationId,
      },
    });
    expect(built.bytes).toBe(Buffer.byteLength(JSON.stringify(built.request.rawPayload)));
  });

  it('ends it with a dismissal date and an alert, at priority 5 when asked, with the update’s own timestamp and the notification’s expiry', () => {
    const n = forActivity(
      { activityId: 'order-42', event: 'end', contentState: { stage: 'delivered' }, timestamp: '2025-01-01T10:05:00.000Z', dismissalDate: '2025-01-01T11:00:00.000Z', alert: { title: 'Delivered', body: 'Enjoy your order', sound: 'default' }, apnsPriority: 5 },
      { expiresAt: '2025-01-01T12:00:00.000Z' },
    );
    const built = buildApnsRequest(n, activityToken);
    if (!built.ok) throw new Error(built.reason);
    expect(built.request).toMatchObject({ topic: 'com.example.shop.push-type.liveactivity', pushType: 'liveactivity', priority: 5, expiry: 1735732800 });
    expect(built.request.rawPayload.aps).toEqual({
      timestamp: 1735725900,
      event: 'end',
      'content-state': { stage: 'delivered' },
      'dismissal-date': 1735729200,
      alert: { title: 'Delivered', body: 'Enjoy your order', sound: 'default' },
    });
  });

  it('refuses, with the reason, an update too big for APNs', () => {
    const built = buildApnsRequest(forActivity({ activityId: 'order-42', event: 'update', contentState: { blob: 'x'.repeat(3500) }, alert: { title: 't', body: 'b'.repeat(900) } }), activityToken);
    expect(built).toMatchObject({ ok: false, reason: expect.stringMatching(/^Live Activity payload too large: \d+ bytes \(limit 4096\)/) });
  });
});
