import type { Logger } from '@notify/observability';
import type { PresenceTable } from '../state/presence-table';
import type { StatePublisher } from '../state/state-publisher';
import { expireSilentGateways } from '../usecases/expire-gateways';
import type { GatewayLiveness } from './gateway-liveness';

export interface GatewaySweeperOptions {
  table: PresenceTable;
  liveness: GatewayLiveness;
  publisher: Pick<StatePublisher, 'publish'>;
  logger: Logger;
  intervalMs: number;
  now?: () => number;
  /** Called once per gateway found silent. */
  onExpired?: (gatewayId: string) => void;
}

/**
 * Looks for silent gateways every `intervalMs`, so the users of a gateway that died without a goodbye go
 * offline within TTL + interval. A failed publish is retried on the next sweep (the users stay pending).
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
    const { expired, changed } = expireSilentGateways(this.options, this.now());
    for (const gatewayId of expired) {
      this.options.logger.warn({ gatewayId, ttlMs: this.options.liveness.ttlMs }, 'gateway went silent; its users are offline on it');
      this.options.onExpired?.(gatewayId);
    }
    try {
      await this.options.publisher.publish(changed);
    } catch (err) {
      this.options.logger.error({ err, users: changed.length }, 'publishing expired users failed; the next sweep retries');
    }
  }
}
