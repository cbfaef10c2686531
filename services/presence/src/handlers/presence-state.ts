import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { WRITER_HEADER } from '../state/state-publisher';
import { adoptState } from '../usecases/adopt-state';
import type { PresenceDeps } from '../usecases/presence-deps';

/**
 * Rebuilds the table after a restart, and keeps it current with what other instances write: a group of
 * this instance's own, from the beginning of the compacted topic.
 */
export function consumePresenceState(bus: Bus, deps: PresenceDeps, instanceId: string): Promise<Subscription> {
  return bus.subscribe(topics.presenceState, { groupId: `presence-state-${instanceId}`, fromBeginning: true, partitionsConcurrently: 8 }, async (m) =>
    adoptState(deps, m.value, { fromSelf: m.headers[WRITER_HEADER] === instanceId }),
  );
}
