import { followState, type Bus, type Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { GatewayDirectory } from '../presence/gateway-directory';

export interface PresenceViews {
  subscriptions: Subscription[];
  /**
   * Resolves once the directory holds what presence.state held when following began, and the address
   * of every gateway alive: deliver.inapp is consumed only after it, so a user online on another
   * gateway is never taken for offline (no relay, then a needless push) by a gateway just started.
   */
  caughtUp: Promise<void>;
}

/**
 * Every gateway instance reads both presence topics in full (groups of its own, named after its
 * instance and read from the beginning on every start):
 * which gateways hold each user, and where each gateway can be reached.
 */
export async function consumePresenceViews(bus: Bus, directory: GatewayDirectory, instanceName: string): Promise<PresenceViews> {
  const gateways = await followState(bus, topics.presenceGateways, { groupId: `gateway-directory-${instanceName}` }, (event) => directory.applyLiveness(event));
  const states = await followState(bus, topics.presenceState, { groupId: `gateway-presence-${instanceName}`, partitionsConcurrently: 8 }, (state) => directory.applyState(state));
  return { subscriptions: [gateways.subscription, states.subscription], caughtUp: Promise.all([gateways.caughtUp, states.caughtUp]).then(() => undefined) };
}
