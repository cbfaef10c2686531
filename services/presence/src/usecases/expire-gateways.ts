import type { GatewayLiveness } from '../liveness/gateway-liveness';
import type { PresenceTable } from '../state/presence-table';

/**
 * Drops the sockets of every gateway silent for longer than the TTL. Gateways that hold sockets but were
 * never heard from (known only from rebuilt state) start their grace period here.
 */
export function expireSilentGateways(deps: { table: PresenceTable; liveness: GatewayLiveness }, nowMs: number): { expired: string[]; changed: string[] } {
  for (const gatewayId of deps.table.gateways().keys()) deps.liveness.observe(gatewayId, nowMs);
  const expired = deps.liveness.expired(nowMs);
  const changed = new Set<string>();
  const at = new Date(nowMs).toISOString();
  for (const gatewayId of expired) {
    deps.liveness.forget(gatewayId);
    for (const userId of deps.table.dropGateway(gatewayId, at).changed) changed.add(userId);
  }
  return { expired, changed: [...changed] };
}
