import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { PresenceView } from '../presence/presence-view';

/** Every router instance keeps the whole view: a group of its own, from the beginning of the compacted topic. */
export function consumePresenceState(bus: Bus, view: PresenceView, instanceId: string): Promise<Subscription> {
  return bus.subscribe(topics.presenceState, { groupId: `router-presence-${instanceId}`, fromBeginning: true, partitionsConcurrently: 8 }, async (m) => view.apply(m.value));
}
