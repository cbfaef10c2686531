import type { LocalConnections } from '../connections/local-connections';
import type { GatewayDirectory } from '../presence/gateway-directory';
import type { RelayClient } from './relay-client';
import type { RelayMessage } from './relay-message';

/** Users per relay request (the relay accepts up to 500). */
const RELAY_BATCH = 500;

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

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

  /** Messages for many users (one each): local connections directly, and one request per other gateway for all its users. */
  async sendMany(messages: readonly RelayMessage[]): Promise<Map<string, { local: number; remote: string[] }>> {
    const reached = new Map<string, { local: number; remote: string[] }>();
    const byGateway = new Map<string, { target: { gatewayId: string; relayUrl: string | undefined }; messages: RelayMessage[] }>();
    for (const message of messages) {
      const remote = this.directory.remoteGatewaysOf(message.userId, this.gatewayId);
      reached.set(message.userId, { local: applyRelayMessage(this.local, message), remote: remote.map((r) => r.gatewayId) });
      for (const target of remote) {
        const batch = byGateway.get(target.gatewayId);
        if (batch) batch.messages.push(message);
        else byGateway.set(target.gatewayId, { target, messages: [message] });
      }
    }
    await Promise.all([...byGateway.values()].flatMap(({ target, messages: all }) => chunks(all, RELAY_BATCH).map((part) => this.relay.sendMany(target, part))));
    return reached;
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
