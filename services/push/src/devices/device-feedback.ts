import type { DeviceFeedback } from '@notify/contracts';
import type { Device } from '@notify/store';
import { providerOf } from '../senders/provider-of';
import { providerReasonOf } from '../senders/provider-reason';

/** What the push service knows of a device whose token the provider said is dead. */
export type DeadDevice = Pick<Device, 'token' | 'userId' | 'platform' | 'appId'> & Partial<Pick<Device, 'environment'>>;

/**
 * The `device.deactivated` event for the product's backend (on devices.feedback): the full token and
 * where it was registered, with the provider's short reason (`Unregistered`,
 * `messaging/registration-token-not-registered`) and its answer as recorded (`410 Unregistered`).
 * @example deviceDeactivated(device, '410 Unregistered', new Date()) // { type: 'device.deactivated', reason: 'Unregistered', … }
 */
export function deviceDeactivated(device: DeadDevice, reason: string, at: Date): DeviceFeedback {
  const provider = providerOf(device.platform);
  return {
    version: 1,
    type: 'device.deactivated',
    userId: device.userId,
    token: device.token,
    platform: device.platform,
    appId: device.appId,
    ...(device.environment ? { environment: device.environment } : {}),
    provider,
    reason: providerReasonOf(provider, { status: 'invalid_token', reason }),
    description: reason.slice(0, 1024),
    at: at.toISOString(),
  };
}
