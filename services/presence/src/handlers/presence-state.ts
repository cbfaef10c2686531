import { followState, type Bus, type FollowedState } from '@notify/bus';
import { topics } from '@notify/contracts';
import { WRITER_HEADER } from '../state/state-publisher';
import { adoptState } from '../usecases/adopt-state';
import type { PresenceDeps } from '../usecases/presence-deps';

/**
 * Rebuilds the table after a restart, and keeps it current with what other instances write: the whole
 * compacted topic, read by a group of this instance's own. `writerId` names this process's records.
 */
export function consumePresenceState(bus: Bus, deps: PresenceDeps, groupName: string, writerId: string): Promise<FollowedState> {
  return followState(bus, topics.presenceState, { groupId: `presence-state-${groupName}`, partitionsConcurrently: 8 }, (value, m) =>
    adoptState(deps, value, { fromSelf: m.headers[WRITER_HEADER] === writerId }),
  );
}
