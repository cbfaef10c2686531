import type { Bus, Subscription } from '@notify/bus';
import { topics, type DeviceChange } from '@notify/contracts';

/**
 * Every push instance must hear every device change, so each reads devices.changes in a group of its
 * own, from the end: its cache starts empty, so nothing written before it started can be stale in it.
 */
export function consumeDeviceChanges(bus: Bus, heard: (change: DeviceChange) => void, instanceName: string): Promise<Subscription> {
  return bus.subscribeBatch(topics.deviceChanges, { groupId: `push-devices-${instanceName}`, fromBeginning: false, commitOffsets: false, partitionsConcurrently: 8 }, async (changes) => {
    for (const c of changes) heard(c.value);
  });
}
