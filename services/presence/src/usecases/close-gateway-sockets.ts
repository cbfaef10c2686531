import type { PresenceEvent } from '@notify/contracts';
import type { PresenceDeps } from './presence-deps';

/**
 * A gateway said goodbye or went silent: every socket it holds is closed through presence.events, as
 * if the gateway had reported each disconnect itself. The instance holding each user's partition
 * applies them in order with the user's other events, so a drop never races a connect or disconnect
 * on wall clocks. Every presence instance hears of the drop and writes them; the repeats change nothing.
 */
export async function closeGatewaySockets(deps: Pick<PresenceDeps, 'table' | 'sendSocketEvents'>, gatewayId: string, at: string, reason: string): Promise<number> {
  const events: PresenceEvent[] = deps.table.socketsOn(gatewayId).map(({ userId, socketId }) => ({ version: 1, kind: 'socket_disconnected', userId, gatewayId, socketId, reason, at }));
  if (events.length > 0) await deps.sendSocketEvents(events);
  return events.length;
}
