import { describe, expect, it } from 'vitest';
import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';
import { pushTargets, pushTargetsOf } from './push-targets';

const at = new Date('2026-12-01T10:00:00Z');
const device = (token: string, extra: Partial<Device> = {}): Device => ({ token, userId: 'alice', platform: 'ios', appId: 'com.example.shop', environment: 'production', kind: 'device', active: true, createdAt: at, updatedAt: at, ...extra });
const notification = (extra: Partial<Notification> = {}): Notification => ({ version: 1, notificationId: 'e1:alice', eventId: 'e1', userId: 'alice', type: 'order.eta', priority: 'transactional', content: { data: {} }, createdAt: at.toISOString(), ...extra });
const update = (activityId: string): Notification => notification({ push: { liveActivity: { activityId, event: 'update', contentState: { etaMinutes: 7 } } } });

const phone = device('phone');
const legacy = device('legacy-phone', { kind: undefined });
const android = device('android', { platform: 'android' });
const order42 = device('act-42', { kind: 'liveactivity', activityId: 'order-42' });
const order43 = device('act-43', { kind: 'liveactivity', activityId: 'order-43' });

describe('pushTargets', () => {
  it('sends a Live Activity update only to the tokens of that activity', () => {
    expect(pushTargets(update('order-42'), [phone, android, order42, order43]).devices.map((d) => d.token)).toEqual(['act-42']);
  });

  it('never sends an ordinary notification to an activity token; a device stored without a kind is an ordinary one', () => {
    expect(pushTargets(notification(), [phone, order42, legacy, android, order43]).devices.map((d) => d.token)).toEqual(['phone', 'legacy-phone', 'android']);
  });

  it('says why nothing goes out: no token for the activity, or no device at all', () => {
    expect(pushTargets(update('order-99'), [phone, order42])).toEqual({ devices: [], whenNone: 'no Live Activity token registered for activity order-99' });
    expect(pushTargets(notification(), [order42])).toEqual({ devices: [], whenNone: 'no active device registered for this user' });
  });

  it('hands back the user’s devices as they are when there is nothing to leave out', () => {
    const devices = [phone, android];
    expect(pushTargets(notification(), devices).devices).toBe(devices);
  });

  it('answers per notification, from its user’s devices', () => {
    const ordinary = notification();
    const forOrder = update('order-42');
    const targets = pushTargetsOf([ordinary, forOrder, notification({ userId: 'bob' })], new Map([['alice', [phone, order42]]]));
    expect(targets.get(ordinary)!.devices.map((d) => d.token)).toEqual(['phone']);
    expect(targets.get(forOrder)!.devices.map((d) => d.token)).toEqual(['act-42']);
    expect([...targets.values()][2]!.devices).toEqual([]);
  });
});
