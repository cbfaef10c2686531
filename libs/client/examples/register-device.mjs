// Registers this device's push token for the signed-in user at sign-in, and removes it at logout.
//   PUSH_URL=https://push.example.com USER_TOKEN=<the user's JWT> node examples/register-device.mjs <push-token>
import { NotifyClient } from '@notify/client';

const pushToken = process.argv[2] ?? 'f'.repeat(64);
const client = new NotifyClient({ url: process.env.NOTIFY_URL ?? 'http://127.0.0.1:3001', pushUrl: process.env.PUSH_URL, token: process.env.USER_TOKEN ?? '' });

// On sign-in, and whenever the OS hands the app a new token (an APNs device token here; an FCM registration token with platform 'android' or 'web').
const { device, created } = await client.registerDevice(pushToken, { platform: 'ios', appId: 'com.example.app', locale: 'en-GB', timeZone: 'Europe/London' });
console.log(JSON.stringify({ registered: device.tokenSuffix, created }));

// On logout: false when the device was not registered (nothing left to do).
console.log(JSON.stringify({ unregistered: await client.unregisterDevice(pushToken) }));
