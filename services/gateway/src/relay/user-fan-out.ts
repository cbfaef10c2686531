import type { LocalConnections } from '../connections/local-connections';
import type { GatewayDirectory } from '../presence/gateway-directory';
import type { RelayClient } from './relay-client';
import type { RelayMessage } from './relay-message';

/**
 * Reaches every connection of a user: this gateway's own directly, and each other gateway that
 * presence says holds the user through one relay call. Nothing is broadcast to gateways that do not
 * hold the user.
 */
export class UserFanOut {
  constructor(
    private readonly gatewayId: string,
    private readonly local: LocalConnections,
    private readonly directory: GatewayDirectory,
    private readonly relay: RelayClient,
  ) {}

  /** True when the user has a connection anywhere, as far as this gateway knows. */
  isReachable(userId: string): boolean {
    return this.local.has(userId) || this.directory.remoteGatewaysOf(userId, this.gatewayId).length > 0;
  }

  async send(message: RelayMessage, exceptConnectionId?: string): Promise<{ local: number; remote: string[] }> {
    const local = applyRelayMessage(this.local, message, exceptConnectionId);
    const remote = this.directory.remoteGatewaysOf(message.userId, this.gatewayId);
    await Promise.all(remote.map((target) => this.relay.send(target, message)));
    return { local, remote: remote.map((r) => r.gatewayId) };
  }
}

/** What a gateway does with a relay message for its own connections; also the receiving side of a relay. */
export function applyRelayMessage(local: LocalConnections, message: RelayMessage, exceptConnectionId?: string): number {
  const reached = message.notifications?.length ? local.offer(message.userId, message.notifications) : local.of(message.userId).length;
  for (const update of message.states ?? []) local.sendState(message.userId, update, exceptConnectionId);
  if (message.unread !== undefined) local.sendUnread(message.userId, message.unread);
  else if (message.unreadDelta !== undefined) local.addUnread(message.userId, message.unreadDelta);
  return reached;
}
