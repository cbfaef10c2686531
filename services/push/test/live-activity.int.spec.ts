import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LiveActivityUpdate } from '@notify/contracts';
import { ApnsEmulator } from '@notify/push-emulators';
import { waitFor } from '@notify/testing';
import { ApnsSender } from '../src/senders/apns-sender';
import { iosToken, producerHeaders, pushNotification, startPush, type PushUnderTest } from './push-harness';
import { apnsAuthKey } from './sender-fixtures';

/**
 * Live Activities end to end in the push service: tokens registered through the devices API, updates
 * taken from deliver.push.transactional, sent by the real node-apn to the APNs emulator, which
 * refuses a Live Activity push Apple would not take.
 */
const apnsAuth = apnsAuthKey();
const appId = 'com.example.shop';
let apns: ApnsEmulator;
let push: PushUnderTest;

beforeAll(async () => {
  apns = await new ApnsEmulator({ auth: apnsAuth, topics: [appId] }).start();
  push = await startPush({ senders: { apns: new ApnsSender({ ...apnsAuth, address: apns.address, port: apns.port, ca: apns.ca }) } });
});
afterAll(async () => {
  await push?.stop();
  await apns?.stop();
});
beforeEach(() => apns.reset());

const register = async (userId: string, token: string, body: Record<string, unknown> = {}) => {
  const answer = await fetch(`${push.url}/v1/users/${userId}/devices/${token}`, { method: 'PUT', headers: producerHeaders, body: JSON.stringify({ platform: 'ios', appId, environment: 'sandbox', ...body }) });
  expect(answer.status).toBe(201);
};
const statusesOf = (notificationId: string) => push.statuses.filter((s) => s.notificationId === notificationId);
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const activityUpdate = (userId: string, liveActivity: LiveActivityUpdate) => pushNotification(userId, { type: 'order.status', push: { liveActivity } });

describe('Live Activities', () => {
  const phone = iosToken('henry-phone');
  const order42 = iosToken('henry-order-42');
  const order43 = iosToken('henry-order-43');
  beforeAll(async () => {
    await register('henry', phone);
    await register('henry', order42, { kind: 'liveactivity', activityId: 'order-42' });
    await register('henry', order43, { kind: 'liveactivity', activityId: 'order-43' });
  });

  it('sends an update only to the token of its activity, as a liveactivity push with the content state and the time in seconds', async () => {
    const staleDate = new Date(Date.now() + 15 * 60_000).toISOString();
    const n = activityUpdate('henry', { activityId: 'order-42', event: 'update', contentState: { stage: 'on its way', etaMinutes: 7 }, staleDate, alert: { title: 'Your order is on its way', body: 'Arriving in 7 minutes' } });
    await push.push('transactional', n);
    await waitFor('sent', () => statusesOf(n.notificationId).some((s) => s.status === 'sent'));
    expect(apns.received).toHaveLength(1);
    expect(apns.received[0]).toMatchObject({
      token: order42,
      status: 200,
      headers: { topic: `${appId}.push-type.liveactivity`, pushType: 'liveactivity', priority: '10' },
      payload: {
        aps: { event: 'update', 'content-state': { stage: 'on its way', etaMinutes: 7 }, timestamp: seconds(n.createdAt), 'stale-date': seconds(staleDate), alert: { title: 'Your order is on its way', body: 'Arriving in 7 minutes' } },
        notificationId: n.notificationId,
      },
    });
    expect(Object.keys((apns.received[0]!.payload as { aps: object }).aps).sort()).toEqual(['alert', 'content-state', 'event', 'stale-date', 'timestamp']);
    expect(statusesOf(n.notificationId).filter((s) => s.status === 'sent')).toEqual([expect.objectContaining({ channel: 'apns', detail: expect.objectContaining({ tokenSuffix: order42.slice(-8) }) })]);
  });

  it('ends an activity with its dismissal date, at priority 5 when asked', async () => {
    const timestamp = new Date(Date.now() - 2000).toISOString();
    const dismissalDate = new Date(Date.now() + 3600_000).toISOString();
    const n = activityUpdate('henry', { activityId: 'order-43', event: 'end', contentState: { stage: 'delivered' }, timestamp, dismissalDate, apnsPriority: 5 });
    await push.push('transactional', n);
    await waitFor('sent', () => statusesOf(n.notificationId).some((s) => s.status === 'sent'));
    expect(apns.received.map((r) => [r.token, r.status, r.headers, r.payload])).toEqual([
      [order43, 200, { topic: `${appId}.push-type.liveactivity`, pushType: 'liveactivity', priority: '5' }, { aps: { event: 'end', 'content-state': { stage: 'delivered' }, timestamp: seconds(timestamp), 'dismissal-date': seconds(dismissalDate) }, notificationId: n.notificationId }],
    ]);
  });

  it('sends an ordinary notification of the same user to the phone only, never to an activity token', async () => {
    const n = pushNotification('henry');
    await push.push('transactional', n);
    await waitFor('sent', () => statusesOf(n.notificationId).some((s) => s.status === 'sent'));
    expect(apns.received.map((r) => [r.token, r.headers.topic, r.headers.pushType, r.status])).toEqual([[phone, appId, 'alert', 200]]);
  });

  it('sends an update for an activity with no token nowhere, and says so', async () => {
    const n = activityUpdate('henry', { activityId: 'order-99', event: 'update', contentState: { stage: 'packed' } });
    await push.push('transactional', n);
    await waitFor('decided', () => statusesOf(n.notificationId).length > 0);
    expect(statusesOf(n.notificationId)).toEqual([expect.objectContaining({ status: 'suppressed', reason: 'no Live Activity token registered for activity order-99' })]);
    expect(apns.received).toEqual([]);
  });
});
