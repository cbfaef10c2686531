import type { Platform } from '@notify/store';

/** The provider that reaches a platform's devices: APNs for iOS, FCM for Android and the web. */
export function providerOf(platform: Platform): 'apns' | 'fcm' {
  return platform === 'ios' ? 'apns' : 'fcm';
}
