import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sendersFromConfig } from './providers';

const none = { apnsKey: undefined, apnsKeyId: undefined, apnsTeamId: undefined, apnsAddress: undefined, apnsPort: undefined, apnsConnections: 2, apnsCa: undefined, fcmServiceAccount: undefined, fcmProjectId: undefined, fcmThrottleFloorMs: 60_000, fcmThrottleMaxMs: 600_000, fcmWebIconUrl: undefined };
const p8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('sendersFromConfig', () => {
  it('builds nothing when no provider is configured', () => {
    expect(sendersFromConfig(none)).toEqual({});
  });

  it('names every missing setting of a half-configured provider', () => {
    expect(() => sendersFromConfig({ ...none, apnsKey: p8 })).toThrow(/APNS_KEY_ID: required with the other APNs settings\n\s+APNS_TEAM_ID: required/);
    expect(() => sendersFromConfig({ ...none, fcmServiceAccount: '{"project_id":"x"}' })).toThrow('FCM_SERVICE_ACCOUNT: must be a Firebase service account key (JSON): needs client_email and private_key');
    expect(() => sendersFromConfig({ ...none, fcmServiceAccount: 'not json' })).toThrow(/FCM_SERVICE_ACCOUNT: must be a Firebase service account key/);
  });

  it('refuses an FCM pause cap under its floor, naming the setting', () => {
    expect(() => sendersFromConfig({ ...none, fcmThrottleFloorMs: 60_000, fcmThrottleMaxMs: 30_000 })).toThrow('FCM_THROTTLE_MAX_MS: must be at least FCM_THROTTLE_FLOOR_MS (60000)');
  });

  it('builds both senders from complete settings', async () => {
    const senders = sendersFromConfig({ ...none, apnsKey: p8, apnsKeyId: 'KEY1234567', apnsTeamId: 'TEAM123456', fcmServiceAccount: JSON.stringify({ project_id: 'shop', client_email: 'push@shop.iam.gserviceaccount.com', private_key: rsa }) });
    expect(senders.apns?.provider).toBe('apns');
    expect(senders.fcm?.provider).toBe('fcm');
    await Promise.all([senders.apns?.close(), senders.fcm?.close()]);
  });
});
