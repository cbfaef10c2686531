import type { GatewayLiveness } from '../liveness/gateway-liveness';
import type { PresenceTable } from '../state/presence-table';
import { closeGatewaySockets } from './close-gateway-sockets';
import type { PresenceDeps } from './presence-deps';

/**
 * Closes the sockets of every gateway silent for longer than the TTL. Gateways that hold sockets but
 * were never heard from (known only from rebuilt state) start their grace period here. A gateway is
 * forgotten once its closes are written; one whose write failed is expired again on the next sweep.
 */
export async function expireSilentGateways(
  deps: { table: PresenceTable; liveness: GatewayLiveness; sendSocketEvents: PresenceDeps['sendSocketEvents'] },
  nowMs: number,
): Promise<{ expired: string[]; sockets: number; failed: Array<{ gatewayId: string; err: unknown }> }> {
  for (const gatewayId of deps.table.gateways().keys()) deps.liveness.observe(gatewayId, nowMs);
  const at = new Date(nowMs).toISOString();
  const expired: string[] = [];
  const failed: Array<{ gatewayId: string; err: unknown }> = [];
  let sockets = 0;
  for (const gatewayId of deps.liveness.expired(nowMs)) {
    try {
      sockets += await closeGatewaySockets(deps, gatewayId, at, 'gateway silent');
      deps.liveness.forget(gatewayId);
      expired.push(gatewayId);
    } catch (err) {
      failed.push({ gatewayId, err });
    }
  }
  return { expired, sockets, failed };
}
