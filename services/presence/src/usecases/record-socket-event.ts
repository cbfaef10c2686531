import type { PresenceEvent } from '@notify/contracts';
import type { PresenceDeps } from './presence-deps';

/**
 * A gateway reported a socket connecting or disconnecting, read at `revision` (its offset in
 * presence.events): update the table and publish the user if it changed.
 */
export async function recordSocketEvent(deps: PresenceDeps, event: PresenceEvent, revision: number): Promise<void> {
  const change = deps.table.apply(event, revision);
  // A socket proves its gateway exists even before its first heartbeat arrives.
  if (event.kind === 'socket_connected') deps.liveness.observe(event.gatewayId, deps.now());
  if (change.evicted.length > 0) {
    deps.logger.warn({ userId: event.userId, evicted: change.evicted.map((c) => c.socketId) }, 'user has too many sockets; forgot the oldest');
  }
  await deps.publisher.publish(change.changed);
}
