import type { GatewayLiveness as GatewayLivenessEvent } from '@notify/contracts';
import { closeGatewaySockets } from './close-gateway-sockets';
import type { PresenceDeps } from './presence-deps';

/** A heartbeat keeps a gateway's sockets alive; a goodbye closes them at once. */
export async function recordGatewayLiveness(deps: PresenceDeps, event: GatewayLivenessEvent): Promise<void> {
  if (event.kind === 'gateway_heartbeat') {
    if (deps.liveness.beat(event.gatewayId, deps.now())) deps.logger.info({ gatewayId: event.gatewayId, sockets: event.sockets }, 'gateway heard from');
    return;
  }
  deps.liveness.forget(event.gatewayId);
  const sockets = await closeGatewaySockets(deps, event.gatewayId, event.at, 'gateway stopped');
  deps.logger.info({ gatewayId: event.gatewayId, sockets }, 'gateway stopped; its sockets are closed');
}
