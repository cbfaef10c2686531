import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import { recordGatewayLiveness } from '../usecases/record-gateway-liveness';
import type { PresenceDeps } from '../usecases/presence-deps';

/**
 * Every presence instance hears every heartbeat: a group of its own, from the end, since a heartbeat from
 * before start-up says nothing about now.
 */
export function consumeGatewayLiveness(bus: Bus, deps: PresenceDeps, instanceName: string): Promise<Subscription> {
  return bus.subscribe(topics.presenceGateways, { groupId: `presence-gateways-${instanceName}`, fromBeginning: false, commitOffsets: false }, async (m) => recordGatewayLiveness(deps, m.value));
}
