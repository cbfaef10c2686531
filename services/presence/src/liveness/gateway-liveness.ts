/**
 * When each gateway was last heard from, on this instance's clock (gateways' clocks may drift; silence
 * is measured where it is judged). A gateway first heard of through a socket or a rebuilt record, rather
 * than a heartbeat, gets one TTL of grace from that moment.
 *
 * @example
 * const liveness = new GatewayLiveness(15_000);
 * liveness.beat('gw-1', Date.now());
 * liveness.expired(Date.now() + 20_000); // ['gw-1']
 */
export class GatewayLiveness {
  private readonly lastHeard = new Map<string, number>();
  /** The last moment this instance could not hear the heartbeats topic at all. */
  private deafAt = Number.NEGATIVE_INFINITY;

  constructor(readonly ttlMs: number) {}

  /** A heartbeat arrived; returns true when the gateway was not known before. */
  beat(gatewayId: string, nowMs: number): boolean {
    const previous = this.lastHeard.get(gatewayId);
    this.lastHeard.set(gatewayId, Math.max(previous ?? nowMs, nowMs));
    return previous === undefined;
  }

  /** The gateway holds sockets; if it was never heard from, its grace starts now. */
  observe(gatewayId: string, nowMs: number): void {
    if (!this.lastHeard.has(gatewayId)) this.lastHeard.set(gatewayId, nowMs);
  }

  /** The gateway said goodbye or was expired. */
  forget(gatewayId: string): void {
    this.lastHeard.delete(gatewayId);
  }

  /**
   * This instance could not hear the heartbeats topic at `nowMs` (the broker away, its consumer out of
   * its group): a gateway's silence until then proves nothing, so each gets a whole TTL from here.
   */
  deaf(nowMs: number): void {
    this.deafAt = Math.max(this.deafAt, nowMs);
  }

  /** Gateways silent for longer than the TTL, counted from when this instance last could not hear. */
  expired(nowMs: number): string[] {
    return [...this.lastHeard].filter(([, heard]) => nowMs - Math.max(heard, this.deafAt) > this.ttlMs).map(([gatewayId]) => gatewayId);
  }

  get size(): number {
    return this.lastHeard.size;
  }
}
