import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { recordSocketEvent } from '../usecases/record-socket-event';
import type { PresenceDeps } from '../usecases/presence-deps';

/**
 * One group shared by every presence instance: each user's events (keyed by user) go to one instance, in
 * order, several users of a partition at once. The handler returns after the user's new state is
 * written, so the state topic covers every committed event.
 */
export function consumePresenceEvents(bus: Bus, deps: PresenceDeps): Promise<Subscription> {
  return bus.subscribe(topics.presenceEvents, { groupId: 'presence', partitionsConcurrently: 8, keysConcurrently: 32 }, async (m) => recordSocketEvent(deps, m.value));
}
