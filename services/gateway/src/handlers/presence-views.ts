import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { GatewayDirectory } from '../presence/gateway-directory';

/**
 * Every gateway instance reads both presence topics in full (groups of its own, from the beginning):
 * which gateways hold each user, and where each gateway can be reached.
 */
export async function consumePresenceViews(bus: Bus, directory: GatewayDirectory, gatewayId: string): Promise<Subscription[]> {
  return [
    await bus.subscribe(topics.presenceGateways, { groupId: `gateway-directory-${gatewayId}`, fromBeginning: true }, async (m) => directory.applyLiveness(m.value)),
    await bus.subscribe(topics.presenceState, { groupId: `gateway-presence-${gatewayId}`, fromBeginning: true, partitionsConcurrently: 8 }, async (m) => directory.applyState(m.value)),
  ];
}
