import type { PresenceState } from '@notify/contracts';
import type { PresenceDeps } from './presence-deps';

/**
 * A record read back from `presence.state` (on start-up, or written by another instance). The table
 * decides whether it wins; when this instance knows better, the corrected state is published.
 */
export async function adoptState(deps: PresenceDeps, record: PresenceState, { fromSelf }: { fromSelf: boolean }): Promise<void> {
  const change = deps.table.adopt(record, { fromSelf });
  if (fromSelf) return;
  // Gateways known only from the record get their grace period from now.
  for (const c of record.connections) deps.liveness.observe(c.gatewayId, deps.now());
  if (change.evicted.length > 0) deps.logger.warn({ userId: record.userId, evicted: change.evicted.map((c) => c.socketId) }, 'user has too many sockets; forgot the oldest');
  await deps.publisher.publish(change.changed);
}
