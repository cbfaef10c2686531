import { describe, expect, it } from 'vitest';
import { topics, validate } from '@notify/contracts';
import { androidDevice, device } from '../../test/sender-fixtures';
import { deviceDeactivated } from './device-feedback';

describe('deviceDeactivated', () => {
  const at = new Date('2026-03-01T10:00:00.000Z');

  it('carries the full token, where it was registered, and the provider’s short reason', () => {
    const phone = device({ token: 'a'.repeat(64), userId: 'alice', environment: 'production' });
    const event = deviceDeactivated(phone, '410 Unregistered', at);
    expect(event).toEqual({ version: 1, type: 'device.deactivated', userId: 'alice', token: 'a'.repeat(64), platform: 'ios', appId: 'com.example.shop', environment: 'production', provider: 'apns', reason: 'Unregistered', description: '410 Unregistered', at: at.toISOString() });
    expect(validate(topics.deviceFeedback, event)).toMatchObject({ ok: true });
  });

  it('names FCM’s code for an Android device', () => {
    const event = deviceDeactivated(androidDevice('fcm-token-0123456789'), 'messaging/registration-token-not-registered: Requested entity was not found.', at);
    expect(event).toMatchObject({ provider: 'fcm', platform: 'android', token: 'fcm-token-0123456789', reason: 'messaging/registration-token-not-registered' });
    expect(validate(topics.deviceFeedback, event)).toMatchObject({ ok: true });
  });
});
