import type { Bus } from '@notify/bus';
import { topics, type PresenceEvent } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import type { ClientConnection } from '../connections/connection';
import { announcementSigner } from '@notify/contracts/gateway-announcement';

/**
 * Tells presence what this gateway holds: each connect and disconnect (keyed by user, so they stay in
 * order), and a heartbeat that carries the relay address, signed so other gateways believe it. A failed
 * publish is logged, never thrown at the client: presence heals with the next event, and a gateway that
 * stops beating is expired anyway.
 */
export class PresencePublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly sign: ReturnType<typeof announcementSigner>;

  constructor(
    private readonly bus: Bus,
    private readonly gatewayId: string,
    relaySecret: string,
    private readonly logger: Logger,
  ) {
    this.sign = announcementSigner(relaySecret);
  }

  connected(connection: ClientConnection): void {
    const { userId, id: socketId, device } = connection;
    this.publish({ version: 1, kind: 'socket_connected', userId, gatewayId: this.gatewayId, socketId, transport: connection.transport(), ...(device ? { device } : {}), at: new Date().toISOString() });
  }

  disconnected(connection: ClientConnection, reason: string): void {
    this.publish({ version: 1, kind: 'socket_disconnected', userId: connection.userId, gatewayId: this.gatewayId, socketId: connection.id, reason: reason.slice(0, 256), at: new Date().toISOString() });
  }

  /**
   * Beats at once (so relays can find this gateway before its first socket) and then every `intervalMs`,
   * with the address of its relay (none when it has no relay: one gateway in the process).
   */
  async startHeartbeat(intervalMs: number, sockets: () => number, relayUrl: string | undefined): Promise<void> {
    const beat = () =>
      this.bus.publish(topics.presenceGateways, [{ value: this.sign({ version: 1, kind: 'gateway_heartbeat', gatewayId: this.gatewayId, ...(relayUrl ? { relayUrl } : {}), sockets: sockets(), at: new Date().toISOString() }) }]);
    await beat();
    this.timer = setInterval(() => void beat().catch((err: unknown) => this.logger.warn({ err }, 'gateway heartbeat failed')), intervalMs);
    this.timer.unref();
  }

  /** Goodbye: presence takes this gateway's remaining users offline at once instead of after the TTL. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.bus
      .publish(topics.presenceGateways, [{ value: this.sign({ version: 1, kind: 'gateway_stopped', gatewayId: this.gatewayId, at: new Date().toISOString() }) }])
      .catch((err: unknown) => this.logger.warn({ err }, 'could not say goodbye to presence; it expires this gateway after its TTL'));
  }

  private publish(event: PresenceEvent): void {
    void this.bus.publish(topics.presenceEvents, [{ value: event }]).catch((err: unknown) => this.logger.warn({ err }, 'presence event not published'));
  }
}
