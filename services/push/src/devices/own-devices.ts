import type { Device, DeviceRegistration, DeviceRepository, Platform } from '@notify/store';
import type { DeviceDirectory } from './device-directory';

/** Which providers this push instance can send through. */
export interface Reachable {
  apns: boolean;
  fcm: boolean;
}

/**
 * Why a device of this platform could never receive a push from this instance (its provider is not
 * configured), in words naming the settings; undefined when it can.
 * @example unreachableReason('web', { apns: true, fcm: false }) // "web devices cannot be reached: …"
 */
export function unreachableReason(platform: Platform, reachable: Reachable): string | undefined {
  if (platform === 'ios' && !reachable.apns) return 'ios devices cannot be reached: this push service has no APNs key (APNS_KEY, APNS_KEY_ID, APNS_TEAM_ID)';
  if (platform !== 'ios' && !reachable.fcm) return `${platform} devices cannot be reached: this push service has no FCM service account (FCM_SERVICE_ACCOUNT)`;
  return undefined;
}

export interface OwnRegistration {
  device: Device;
  /** True when the token was not registered before (for anyone). */
  created: boolean;
  /** The user's devices removed to stay within the cap, the registered longest ago first. */
  evicted: Device[];
}

/**
 * An app registers its signed-in user's device. A token registered to another user moves to this
 * one (a shared device after a logout and a login). The user then holds at most `maxDevices` active
 * tokens of the registered kind (phones and Live Activity tokens are counted apart): beyond it the
 * ones registered longest ago are removed, announced like any other removal. An app re-registers its
 * token on each start, so what goes is the device unused longest (a reinstall leaves a dead token
 * behind that would otherwise count for ever). Two registrations racing may leave one device over
 * the cap until the user's next registration.
 */
export async function registerOwnDevice(deps: { devices: DeviceRepository; directory: DeviceDirectory }, input: DeviceRegistration, maxDevices: number): Promise<OwnRegistration> {
  const existing = await deps.devices.findByToken(input.token);
  const { device } = await deps.directory.register(input);
  const kind = device.kind ?? 'device';
  const others = (await deps.devices.listActive(input.userId)).filter((d) => (d.kind ?? 'device') === kind && d.token !== input.token);
  const over = others.length + 1 - maxDevices;
  const evicted = over > 0 ? [...others].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime()).slice(0, over) : [];
  for (const old of evicted) await deps.directory.unregister(old);
  return { device, created: existing === null, evicted };
}

/** Removes a device if it is the user's own; false (nothing said about whose it is) otherwise. */
export async function unregisterOwnDevice(deps: { devices: DeviceRepository; directory: DeviceDirectory }, userId: string, token: string): Promise<boolean> {
  const device = await deps.devices.findByToken(token);
  if (!device || device.userId !== userId) return false;
  await deps.directory.unregister(device);
  return true;
}
