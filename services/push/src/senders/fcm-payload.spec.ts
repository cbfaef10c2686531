import { describe, expect, it } from 'vitest';
import { androidDevice, notification } from '../../test/sender-fixtures';
import { buildFcmMessage, webPushTopic, type FcmBuild } from './fcm-payload';

const token = 'fcm-token-0123456789';
const phone = androidDevice(token);
const now = new Date('2030-01-01T00:00:00.000Z');
const message = (build: FcmBuild) => {
  if (!build.ok) throw new Error(`not built: ${build.reason}`);
  return build.message;
};

describe('buildFcmMessage', () => {
  it('builds a notification message with string-only data and the badge as the notification count', () => {
    const n = notification();
    expect(message(buildFcmMessage(n, phone, 4, now))).toEqual({
      token,
      notification: { title: 'Payment received', body: '12.00 EUR from Bob' },
      data: { notificationId: n.notificationId, deepLink: 'shop://payments/7', data: '{"paymentId":7}' },
      android: { priority: 'high', notification: { notificationCount: 4 } },
    });
  });

  it.each([
    ['critical', 'high'],
    ['transactional', 'high'],
    ['normal', 'normal'],
    ['marketing', 'normal'],
  ] as const)('sends %s at android priority %s', (priority, expected) => {
    expect(message(buildFcmMessage(notification({ priority }), phone, undefined, now)).android?.priority).toBe(expected);
  });

  it('sends a silent push as data only: no notification, no android notification', () => {
    const m = message(buildFcmMessage(notification({ push: { silent: true } }), phone, 3, now));
    expect(m).not.toHaveProperty('notification');
    expect(m.android).not.toHaveProperty('notification');
    expect(m.data).toMatchObject({ deepLink: 'shop://payments/7' });
  });

  it('collapses by the collapse key and lives until expiresAt', () => {
    const m = message(buildFcmMessage(notification({ collapseKey: 'payments', expiresAt: '2030-01-01T00:10:00.000Z' }), phone, undefined, now));
    expect(m.android).toMatchObject({ collapseKey: 'payments', ttl: 600_000 });
  });

  it('tags the shown notification with the collapse key, so a newer one replaces it on the device; a silent push has no tag', () => {
    expect(message(buildFcmMessage(notification({ collapseKey: 'ride:42' }), phone, 1, now)).android).toEqual({ priority: 'high', collapseKey: 'ride:42', notification: { tag: 'ride:42', notificationCount: 1 } });
    expect(message(buildFcmMessage(notification({ collapseKey: 'ride:42', push: { silent: true } }), phone, 1, now)).android).toEqual({ priority: 'high', collapseKey: 'ride:42' });
  });

  it('makes a Web Push Topic of a collapse key: the key when it is one, else 32 characters of its hash', () => {
    expect(webPushTopic('ride-42_x')).toBe('ride-42_x');
    const hashed = webPushTopic('ride:42');
    expect(hashed).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(webPushTopic('ride:42')).toBe(hashed);
    expect(webPushTopic('ride:43')).not.toBe(hashed);
    expect(webPushTopic('x'.repeat(33))).toHaveLength(32);
  });

  it('sets no ttl without expiresAt, and 0 once it has passed', () => {
    expect(message(buildFcmMessage(notification(), phone, undefined, now)).android).not.toHaveProperty('ttl');
    expect(message(buildFcmMessage(notification({ expiresAt: '2029-12-31T23:59:00.000Z' }), phone, undefined, now)).android?.ttl).toBe(0);
  });

  it('leaves the data key out when the content has no data', () => {
    const n = notification({ content: { title: 'Hi', data: {} } });
    expect(message(buildFcmMessage(n, phone, undefined, now)).data).toEqual({ notificationId: n.notificationId });
  });

  it('merges the producer’s push.android over its own', () => {
    const n = notification({ priority: 'marketing', push: { android: { priority: 'high', notification: { channelId: 'offers', sound: 'default' }, directBootOk: true } } });
    expect(message(buildFcmMessage(n, phone, 2, now)).android).toEqual({ priority: 'high', notification: { notificationCount: 2, channelId: 'offers', sound: 'default' }, directBootOk: true });
  });

  it('fits a 10 KB body into 4096 bytes of data and notification: drops data, cuts the body, keeps the ids', () => {
    const n = notification({ content: { title: 'Long read', body: 'word '.repeat(2048), deepLink: 'shop://read/1', data: { big: 'x'.repeat(3000) } } });
    const built = buildFcmMessage(n, phone, undefined, now);
    if (!built.ok) throw new Error(built.reason);
    const { data, notification: shown } = built.message;
    expect(built.trimmed).toEqual(['data dropped', 'body shortened']);
    expect(Buffer.byteLength(JSON.stringify({ data, notification: shown }))).toBe(built.bytes);
    expect(built.bytes).toBeLessThanOrEqual(4096);
    expect(built.bytes).toBeGreaterThan(4000);
    expect(shown?.body?.endsWith('…')).toBe(true);
    expect(data).toEqual({ notificationId: n.notificationId, deepLink: 'shop://read/1' });
  });

  it('gives up the title and then the deep link when the body is not enough', () => {
    const n = notification({ content: { title: 'T'.repeat(256), body: 'b', deepLink: `shop://x/${'é'.repeat(2040)}`, data: {} } });
    const built = buildFcmMessage(n, phone, undefined, now);
    expect(built).toMatchObject({ ok: true, trimmed: ['body dropped', 'title dropped', 'deep link dropped'] });
  });

  it('answers failed with the reason when even the ids alone do not fit', () => {
    const n = notification({ notificationId: 'n'.repeat(4100) });
    expect(buildFcmMessage(n, phone, undefined, now)).toEqual({ ok: false, reason: expect.stringMatching(/^payload too large/) });
  });
});

describe('buildFcmMessage for a web device', () => {
  const browser = androidDevice('fcm-web-token-0123456789', { platform: 'web', appId: 'shop-web' });
  const look = { iconUrl: 'https://shop.example.com/icon-192.png' };
  const webMessage = (n: Parameters<typeof buildFcmMessage>[0]) => message(buildFcmMessage(n, browser, 4, now, look));

  it('sends FCM’s webpush block and nothing for Android: title, body, icon, the https link to open, TTL and Urgency', () => {
    const n = notification({ content: { title: 'Order shipped', body: 'Arrives Friday', deepLink: 'https://shop.example.com/orders/7', data: { orderId: 7 } }, expiresAt: '2030-01-01T00:10:00.000Z' });
    expect(webMessage(n)).toEqual({
      token: browser.token,
      data: { notificationId: n.notificationId, deepLink: 'https://shop.example.com/orders/7', data: '{"orderId":7}' },
      webpush: {
        headers: { TTL: '600', Urgency: 'high' },
        notification: { title: 'Order shipped', body: 'Arrives Friday', icon: look.iconUrl },
        fcmOptions: { link: 'https://shop.example.com/orders/7' },
      },
    });
  });

  it('sends a collapse key as the Topic header, so the push service keeps only the latest', () => {
    expect(webMessage(notification({ collapseKey: 'ride-42' })).webpush?.headers).toMatchObject({ Topic: 'ride-42' });
    expect(webMessage(notification({ collapseKey: 'ride:42' })).webpush?.headers?.Topic).toBe(webPushTopic('ride:42'));
  });

  it.each([
    ['critical', 'high'],
    ['transactional', 'high'],
    ['normal', 'normal'],
    ['marketing', 'low'],
  ] as const)('sends %s with Urgency %s, and FCM’s four weeks as TTL without expiresAt', (priority, urgency) => {
    expect(webMessage(notification({ priority })).webpush?.headers).toEqual({ TTL: String(28 * 86_400), Urgency: urgency });
  });

  it('keeps a deep link that is not https in the data only (FCM opens https links only), and sends a silent push as data only', () => {
    const app = webMessage(notification());
    expect(app.webpush).not.toHaveProperty('fcmOptions');
    expect(app.data?.deepLink).toBe('shop://payments/7');
    const silent = webMessage(notification({ push: { silent: true } }));
    expect(silent.webpush).toEqual({ headers: { TTL: String(28 * 86_400), Urgency: 'high' } });
    expect(silent).not.toHaveProperty('notification');
    expect(silent).not.toHaveProperty('android');
  });

  it('fits the webpush notification and data within 4096 bytes', () => {
    const built = buildFcmMessage(notification({ content: { title: 'T', body: 'b'.repeat(5000), data: { big: 'x'.repeat(3000) } } }), browser, undefined, now);
    if (!built.ok) throw new Error(built.reason);
    expect(built.trimmed).toEqual(['data dropped', 'body shortened']);
    expect(built.bytes).toBeLessThanOrEqual(4096);
    expect(String(built.message.webpush?.notification?.body).endsWith('…')).toBe(true);
  });
});
