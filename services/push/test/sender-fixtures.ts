import { generateKeyPairSync } from 'node:crypto';
import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';
import type { PushMessage } from '../src/senders/push-sender';

/** A fresh APNs auth key (.p8, P-256 PKCS#8 PEM) with ids, as Apple issues them. */
export function apnsAuthKey(): { key: string; keyId: string; teamId: string } {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key, keyId: 'SENDKEY001', teamId: 'SENDTEAM01' };
}

let counter = 0;

export function notification(extra: Partial<Notification> = {}): Notification {
  const n = ++counter;
  return {
    version: 1,
    notificationId: `n${n}:alice`,
    eventId: `e${n}`,
    userId: 'alice',
    type: 'payment.succeeded',
    priority: 'transactional',
    content: { title: 'Payment received', body: '12.00 EUR from Bob', deepLink: 'shop://payments/7', data: { paymentId: 7 } },
    createdAt: '2025-01-01T10:00:00.000Z',
    ...extra,
  };
}

/** A 64-hex-digit APNs token, distinct per seed. */
export const apnsToken = (seed: string | number) => Buffer.from(String(seed).padEnd(32, '.')).toString('hex').slice(0, 64);

export function device(extra: Partial<Device> = {}): Device {
  return {
    token: apnsToken('phone'),
    userId: 'alice',
    platform: 'ios',
    appId: 'com.example.shop',
    environment: 'sandbox',
    active: true,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...extra,
  };
}

export const androidDevice = (token: string, extra: Partial<Device> = {}) => device({ token, platform: 'android', appId: 'com.example.shop', ...extra });

export const message = (n: Notification, d: Device, badge?: number): PushMessage => ({ notification: n, device: d, lane: 'transactional', ...(badge === undefined ? {} : { badge }) });
