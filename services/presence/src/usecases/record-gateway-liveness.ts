import type { GatewayLiveness as GatewayLivenessEvent } from '@notify/contracts';
import type { PresenceDeps } from './presence-deps';

/** A heartbeat keeps a gateway's sockets alive; a goodbye takes them offline at once. */
export async function recordGatewayLiveness(deps: PresenceDeps, event: GatewayLivenessEvent): Promise<void> {
  if (event.kind === 'gateway_heartbeat') {
    if (deps.liveness.beat(event.gatewayId, deps.now())) deps.logger.info({ gatewayId: event.gatewayId, sockets: event.sockets }, 'gateway heard from');
    return;
  }
  deps.liveness.forget(event.gatewayId);
  const change = deps.table.dropGateway(event.gatewayId, event.at);
  deps.logger.info({ gatewayId: event.gatewayId, users: change.changed.length }, 'gateway stopped; its sockets are gone');
  await deps.publisher.publish(change.changed);
}
