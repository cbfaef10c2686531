import type { GatewayLiveness as GatewayLivenessEvent } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import type { GatewayLiveness } from '../liveness/gateway-liveness';
import type { PresenceTable } from '../state/presence-table';
import type { StatePublisher } from '../state/state-publisher';

export interface RecordGatewayLivenessDeps {
  table: PresenceTable;
  liveness: GatewayLiveness;
  publisher: Pick<StatePublisher, 'publish'>;
  logger: Logger;
  now: () => number;
}

/** A heartbeat keeps a gateway's sockets alive; a goodbye takes them offline at once. */
export async function recordGatewayLiveness(deps: RecordGatewayLivenessDeps, event: GatewayLivenessEvent): Promise<void> {
  if (event.kind === 'gateway_heartbeat') {
    if (deps.liveness.beat(event.gatewayId, deps.now())) deps.logger.info({ gatewayId: event.gatewayId, sockets: event.sockets }, 'gateway heard from');
    return;
  }
  deps.liveness.forget(event.gatewayId);
  const change = deps.table.dropGateway(event.gatewayId, event.at);
  deps.logger.info({ gatewayId: event.gatewayId, users: change.changed.length }, 'gateway stopped; its sockets are gone');
  await deps.publisher.publish(change.changed);
}
