import type { PresenceEvent } from '@notify/contracts';
import type { PresenceDeps } from './presence-deps';

/** A gateway reported a socket connecting or disconnecting: update the table and publish the user if it changed. */
export async function recordSocketEvent(deps: PresenceDeps, event: PresenceEvent): Promise<void> {
  const change = event.kind === 'socket_connected' ? deps.table.connect(event) : deps.table.disconnect(event);
  // A socket proves its gateway exists even before its first heartbeat arrives.
  if (event.kind === 'socket_connected') deps.liveness.observe(event.gatewayId, deps.now());
  if (change.evicted.length > 0) {
    deps.logger.warn({ userId: event.userId, evicted: change.evicted.map((c) => c.socketId) }, 'user has too many sockets; forgot the oldest');
  }
  await deps.publisher.publish(change.changed);
}
