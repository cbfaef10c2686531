import type { PresenceState } from '@notify/contracts';
import type { PresenceDeps } from './presence-deps';

/**
 * A record read back from `presence.state` (on start-up, or written by another instance). The newest
 * revision wins; when this instance applied a newer event than the record's, it writes its state again.
 */
export async function adoptState(deps: PresenceDeps, record: PresenceState, { fromSelf }: { fromSelf: boolean }): Promise<void> {
  if (fromSelf) return;
  const change = deps.table.adopt(record);
  // Gateways known only from the record get their grace period from now.
  for (const c of deps.table.stateOf(record.userId).connections) deps.liveness.observe(c.gatewayId, deps.now());
  if (change.evicted.length > 0) deps.logger.warn({ userId: record.userId, evicted: change.evicted.map((c) => c.socketId) }, 'user has too many sockets; forgot the oldest');
  if (change.changed.length > 0) deps.logger.info({ userId: record.userId, stale: record.revision, held: deps.table.stateOf(record.userId).revision }, 'an older presence record was written after a newer one; writing the newer again');
  await deps.publisher.publish(change.changed);
}
