import type { Logger } from '@notify/observability';
import type { PresenceTable } from '../state/presence-table';
import { expireSilentGateways } from '../usecases/expire-gateways';
import type { PresenceDeps } from '../usecases/presence-deps';
import type { GatewayLiveness } from './gateway-liveness';

export interface GatewaySweeperOptions {
  table: PresenceTable;
  liveness: GatewayLiveness;
  sendSocketEvents: PresenceDeps['sendSocketEvents'];
  logger: Logger;
  intervalMs: number;
  now?: () => number;
  /** Called once per gateway found silent. */
  onExpired?: (gatewayId: string) => void;
  /** When the heartbeats consumer last heard its topic (Subscription.lastHeardAt); null before it first did. */
  lastHeardAt?: () => number | null;
}

/**
 * How long the heartbeats consumer may go without an answer from the broker before this instance
 * counts itself deaf. It fetches at least every half second while it reaches the broker.
 */
export const DEAF_AFTER_MS = 5000;

/**
 * Looks for silent gateways every `intervalMs`, so the sockets of a gateway that died without a goodbye
 * are closed within TTL + interval. A failed write is retried on the next sweep (the gateway stays expired).
 */
export class GatewaySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: GatewaySweeperOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One sweep; overlapping calls share the sweep in progress. */
  tick(): Promise<void> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    // During a broker restart no heartbeat reaches this instance, from any gateway: that silence is
    // ours, not theirs, and closing every socket would send users' notifications to push instead.
    const heard = this.options.lastHeardAt?.();
    if (heard !== undefined && (heard === null || now - heard > DEAF_AFTER_MS)) {
      if (this.options.liveness.size > 0) this.options.logger.warn({ lastHeardMsAgo: heard === null ? null : now - heard }, 'not hearing gateway heartbeats; no gateway is judged silent until they are heard again');
      this.options.liveness.deaf(now);
    }
    const { expired, sockets, failed } = await expireSilentGateways(this.options, now);
    for (const gatewayId of expired) {
      this.options.logger.warn({ gatewayId, ttlMs: this.options.liveness.ttlMs }, 'gateway went silent; its sockets are closed');
      this.options.onExpired?.(gatewayId);
    }
    if (expired.length > 0) this.options.logger.info({ gateways: expired.length, sockets }, 'closed the sockets of silent gateways');
    for (const { gatewayId, err } of failed) this.options.logger.error({ err, gatewayId }, 'closing the sockets of a silent gateway failed; the next sweep retries');
  }
}
