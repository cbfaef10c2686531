import type { Notification } from '@notify/contracts';
import type { Device } from '@notify/store';

type Devices = ReadonlyArray<Readonly<Device>>;

/** The devices one notification goes to, and what its status says when there are none. */
export interface PushTargets {
  devices: Devices;
  /** The `suppressed` reason when `devices` is empty. */
  whenNone: string;
}

const isActivityToken = (device: Readonly<Device>) => device.kind === 'liveactivity';

/**
 * Which of a user's active devices a notification is pushed to. A Live Activity update goes only
 * to the iOS tokens of that activity; anything else goes only to the app's tokens, never to an
 * activity's (iOS would drop it, and APNs refuses an alert on an activity's topic).
 * @example pushTargets(notification, await directory.listActive(notification.userId)).devices
 */
export function pushTargets(notification: Notification, devices: Devices): PushTargets {
  const activity = notification.push?.liveActivity;
  if (activity) {
    return {
      devices: devices.filter((d) => isActivityToken(d) && d.activityId === activity.activityId && d.platform === 'ios'),
      whenNone: `no Live Activity token registered for activity ${activity.activityId}`,
    };
  }
  // Most users have no activity token: hand back the cached array itself, no copy per push.
  return { devices: devices.some(isActivityToken) ? devices.filter((d) => !isActivityToken(d)) : devices, whenNone: 'no active device registered for this user' };
}

/** Each notification's targets, from its user's devices. */
export function pushTargetsOf(notifications: readonly Notification[], devicesOf: ReadonlyMap<string, Devices>): Map<Notification, PushTargets> {
  return new Map(notifications.map((n) => [n, pushTargets(n, devicesOf.get(n.userId) ?? [])]));
}
