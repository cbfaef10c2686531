import { followState, type FollowedState } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { ServiceDeps } from '@notify/runtime';
import type { DeadLetterIndex } from './dead-letter-index';

/**
 * Fills the index from the dead-letter topic: every router reads the whole topic in a group of its
 * own (no position kept, so a restart reads it again), in the background, so a flood of dead letters
 * never takes CPU from the urgent lanes.
 */
export function followDeadLetters(deps: Pick<ServiceDeps, 'bus' | 'instanceName'>, index: DeadLetterIndex): Promise<FollowedState> {
  return followState(deps.bus, topics.notifyDlq, { groupId: `router-dead-letters-${deps.instanceName}`, background: true }, (letter, message) => index.add(message.partition, message.offset, letter));
}
