import { describe, expect, it } from 'vitest';
import { device, notification } from '../../test/sender-fixtures';
import { buildApnsRequest, type ApnsBuild } from './apns-payload';

const request = (build: ApnsBuild) => {
  if (!build.ok) throw new Error(`not built: ${build.reason}`);
  return build.request;
};
const bytes = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload));

describe('buildApnsRequest', () => {
  it('builds an alert for the device’s app with the ids, deep link, data and badge', () => {
    const n = notification();
    expect(request(buildApnsRequest(n, device(), 4))).toEqual({
      topic: 'com.example.shop',
      pushType: 'alert',
      priority: 10,
      rawPayload: {
        aps: { alert: { title: 'Payment received', body: '12.00 EUR from Bob' }, badge: 4 },
        notificationId: n.notificationId,
        deepLink: 'shop://payments/7',
        data: { paymentId: 7 },
      },
    });
  });

  it.each([
    ['critical', 10],
    ['transactional', 10],
    ['normal', 5],
    ['marketing', 5],
  ] as const)('sends %s at priority %i', (priority, expected) => {
    expect(request(buildApnsRequest(notification({ priority }), device())).priority).toBe(expected);
  });

  it('sends a silent push as a background push at priority 5, without alert or badge', () => {
    const r = request(buildApnsRequest(notification({ priority: 'critical', push: { silent: true } }), device(), 2));
    expect(r).toMatchObject({ pushType: 'background', priority: 5 });
    expect(r.rawPayload.aps).toEqual({ 'content-available': 1 });
    expect(r.rawPayload).toMatchObject({ deepLink: 'shop://payments/7', data: { paymentId: 7 } });
  });

  it('collapses and threads by the collapse key, and expires at expiresAt', () => {
    const r = request(buildApnsRequest(notification({ collapseKey: 'payments', expiresAt: '2030-01-01T00:00:30.900Z' }), device()));
    expect(r).toMatchObject({ collapseId: 'payments', expiry: Date.UTC(2030, 0, 1, 0, 0, 30) / 1000 });
    expect(r.rawPayload.aps).toMatchObject({ 'thread-id': 'payments' });
  });

  it('leaves out the expiration, collapse id and thread without expiresAt, collapseKey or digest, so APNs keeps the push', () => {
    const r = request(buildApnsRequest(notification(), device()));
    expect(r).not.toHaveProperty('expiry');
    expect(r).not.toHaveProperty('collapseId');
    expect(r.rawPayload.aps).not.toHaveProperty('thread-id');
  });

  it('threads digests by type', () => {
    const r = request(buildApnsRequest(notification({ priority: 'marketing', collapseKey: 'offers-week-2', digest: { count: 3, eventIds: ['a', 'b', 'c'] } }), device()));
    expect(r.rawPayload.aps).toMatchObject({ 'thread-id': 'digest:payment.succeeded' });
  });

  it('hashes a collapse key over APNs’ 64 bytes into one stable id', () => {
    const key = 'ü'.repeat(40);
    const a = request(buildApnsRequest(notification({ collapseKey: key }), device()));
    const b = request(buildApnsRequest(notification({ collapseKey: key }), device()));
    expect(a.collapseId).toMatch(/^[0-9a-f]{64}$/);
    expect(a.collapseId).toBe(b.collapseId);
  });

  it('merges the producer’s push.apns over its own: aps fields, custom keys and headers', () => {
    const n = notification({
      priority: 'marketing',
      push: {
        apns: {
          headers: { 'apns-priority': '10', 'apns-push-type': 'alert', 'apns-expiration': 0, 'apns-collapse-id': 'mine' },
          payload: { aps: { sound: 'default', 'interruption-level': 'time-sensitive', alert: { subtitle: 'From Bob' } }, campaign: 'spring' },
        },
      },
    });
    const r = request(buildApnsRequest(n, device(), 1));
    expect(r).toMatchObject({ priority: 10, pushType: 'alert', expiry: 0, collapseId: 'mine' });
    expect(r.rawPayload).toMatchObject({
      aps: { alert: { title: 'Payment received', body: '12.00 EUR from Bob', subtitle: 'From Bob' }, badge: 1, sound: 'default', 'interruption-level': 'time-sensitive' },
      campaign: 'spring',
      notificationId: n.notificationId,
    });
  });

  it('takes top-level push.apns keys as payload keys', () => {
    const r = request(buildApnsRequest(notification({ push: { apns: { aps: { sound: 'chime.caf' } } } }), device()));
    expect(r.rawPayload.aps).toMatchObject({ sound: 'chime.caf', alert: { title: 'Payment received' } });
  });

  it('refuses an apns-priority header that is not a number', () => {
    expect(buildApnsRequest(notification({ push: { apns: { headers: { 'apns-priority': 'high' } } } }), device())).toEqual({ ok: false, reason: expect.stringContaining('apns-priority') });
  });

  it('fits a 10 KB body into 4096 bytes: drops data, then cuts the body with an ellipsis, keeping the ids', () => {
    const n = notification({ content: { title: 'Long read', body: 'word '.repeat(2048), deepLink: 'shop://read/1', data: { big: 'x'.repeat(3000) } } });
    const built = buildApnsRequest(n, device(), 1);
    if (!built.ok) throw new Error(built.reason);
    const payload = built.request.rawPayload as { aps: { alert: { title: string; body: string } }; notificationId: string; deepLink: string; data?: unknown };
    expect(built.trimmed).toEqual(['data dropped', 'body shortened']);
    expect(bytes(payload)).toBe(built.bytes);
    expect(built.bytes).toBeLessThanOrEqual(4096);
    expect(built.bytes).toBeGreaterThan(4000);
    expect(payload.aps.alert.title).toBe('Long read');
    expect(payload.aps.alert.body).toMatch(/^(word )+w?o?r?d?…$/);
    expect(payload).toMatchObject({ notificationId: n.notificationId, deepLink: 'shop://read/1' });
    expect(payload).not.toHaveProperty('data');
  });

  it('keeps data when cutting the body alone is not needed', () => {
    const n = notification({ content: { body: 'short', data: { big: 'x'.repeat(5000) } } });
    const built = buildApnsRequest(n, device());
    expect(built).toMatchObject({ ok: true, trimmed: ['data dropped'] });
  });

  it('cuts on grapheme boundaries, never inside an emoji or a multi-byte character', () => {
    const family = '👨‍👩‍👧‍👦';
    const n = notification({ content: { title: 'é'.repeat(200), body: family.repeat(400), data: {} } });
    const built = buildApnsRequest(n, device());
    if (!built.ok) throw new Error(built.reason);
    const body = (built.request.rawPayload as { aps: { alert: { body: string } } }).aps.alert.body;
    expect(body.endsWith('…')).toBe(true);
    expect(body.slice(0, -1).replaceAll(family, '')).toBe('');
    expect(built.bytes).toBeLessThanOrEqual(4096);
  });

  it('answers failed with the reason when even the ids alone do not fit', () => {
    const n = notification({ push: { apns: { payload: { blob: 'x'.repeat(5000) } } } });
    const built = buildApnsRequest(n, device());
    expect(built).toEqual({ ok: false, reason: expect.stringMatching(/^payload too large: \d+ bytes with only the ids left \(limit 4096\)/) });
  });
});
