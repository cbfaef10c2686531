import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { HandOverGate } from '../state/hand-over-gate';
import { recordSocketEvent } from '../usecases/record-socket-event';
import type { PresenceDeps } from '../usecases/presence-deps';

/**
 * One group shared by every presence instance: each user's events (keyed by user) go to one instance, in
 * order, several users of a partition at once. After each rebalance the gate holds events until the
 * table has read what the previous holder of the partitions wrote. An event's offset is its revision.
 * The handler returns after the user's new state is written, so the state topic covers every committed event.
 */
export function consumePresenceEvents(bus: Bus, deps: PresenceDeps, gate: HandOverGate): Promise<Subscription> {
  return bus.subscribe(topics.presenceEvents, { groupId: 'presence', partitionsConcurrently: 8, keysConcurrently: 32, onAssigned: () => gate.reset() }, async (m) => {
    await gate.admit();
    await recordSocketEvent(deps, m.value, Number(m.offset));
  });
}
