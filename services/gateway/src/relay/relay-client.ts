import type { Logger } from '@notify/observability';
import { RELAY_PATH, type RelayBatch, type RelayMessage } from './relay-message';

/**
 * Hands a message to the gateway that holds a user's sockets. A failure is logged and counted, not
 * retried forever: the notification is already in the inbox, and the client's feed fills the gap
 * on the next notification or reconnect.
 */
export class RelayClient {
  constructor(
    private readonly secret: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 2000,
    private readonly onFailure: () => void = () => {},
  ) {}

  send(target: { gatewayId: string; relayUrl: string | undefined }, message: RelayMessage): Promise<boolean> {
    return this.post(target, message, message.userId);
  }

  /** Several users' messages in one request. */
  sendMany(target: { gatewayId: string; relayUrl: string | undefined }, messages: RelayMessage[]): Promise<boolean> {
    return messages.length === 1 ? this.send(target, messages[0]!) : this.post(target, { messages } satisfies RelayBatch, `${messages.length} users`);
  }

  private async post(target: { gatewayId: string; relayUrl: string | undefined }, body: RelayMessage | RelayBatch, users: string): Promise<boolean> {
    if (!target.relayUrl) {
      this.logger.warn({ gatewayId: target.gatewayId, users }, 'no relay address for gateway yet (its heartbeat has not arrived)');
      this.onFailure();
      return false;
    }
    try {
      const response = await fetch(new URL(RELAY_PATH, target.relayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.secret}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.ok) return true;
      this.logger.warn({ gatewayId: target.gatewayId, status: response.status, body: await response.text() }, 'relay refused');
    } catch (err) {
      this.logger.warn({ err, gatewayId: target.gatewayId }, 'relay failed');
    }
    this.onFailure();
    return false;
  }
}
