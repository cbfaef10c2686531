import { Counter, Gauge, Histogram, metric, type Registry } from '@notify/observability';
import type { GatewayLiveness } from './liveness/gateway-liveness';
import type { PresenceTable } from './state/presence-table';

export interface PresenceMetrics {
  expiredGateways: Counter;
  refusedAnnouncements: Counter<'problem'>;
  handOverCatchUpSeconds: Histogram;
}

/** Gauges are read from the table when /metrics is scraped, so they never drift from it. */
export function presenceMetrics(
  registry: Registry,
  sources: { table: Pick<PresenceTable, 'onlineUsers' | 'liveConnections' | 'heldUsers'>; liveness: Pick<GatewayLiveness, 'size'>; publisher?: { pendingCount: number } },
): PresenceMetrics {
  const registers = [registry];
  metric(registry, 'notify_presence_online_users', () => new Gauge({ name: 'notify_presence_online_users', help: 'Users with at least one live socket', registers, collect() { this.set(sources.table.onlineUsers); } }));
  metric(registry, 'notify_presence_connections', () => new Gauge({ name: 'notify_presence_connections', help: 'Live sockets across every gateway', registers, collect() { this.set(sources.table.liveConnections); } }));
  metric(registry, 'notify_presence_table_users', () => new Gauge({ name: 'notify_presence_table_users', help: 'Users the presence table holds, offline ones (with their last-seen time) included', registers, collect() { this.set(sources.table.heldUsers); } }));
  metric(registry, 'notify_presence_state_pending_users', () => new Gauge({ name: 'notify_presence_state_pending_users', help: 'Users whose presence.state write failed and goes out with the next publish', registers, collect() { this.set(sources.publisher?.pendingCount ?? 0); } }));
  metric(registry, 'notify_presence_gateways', () => new Gauge({ name: 'notify_presence_gateways', help: 'Gateways heard from within the TTL (or in their grace period)', registers, collect() { this.set(sources.liveness.size); } }));
  return {
    refusedAnnouncements: metric(registry, 'notify_presence_announcements_refused_total', () => new Counter({ name: 'notify_presence_announcements_refused_total', help: 'Gateway announcements on presence.gateways ignored for want of a valid signature (unsigned, bad_signature)', labelNames: ['problem'], registers })),
    expiredGateways: metric(registry, 'notify_presence_gateways_expired_total', () => new Counter({ name: 'notify_presence_gateways_expired_total', help: 'Gateways that went silent without a goodbye and had their users dropped', registers })),
    handOverCatchUpSeconds: metric(
      registry,
      'notify_presence_handover_catchup_seconds',
      () => new Histogram({ name: 'notify_presence_handover_catchup_seconds', help: 'After a rebalance, how long presence.events waited for this instance to read presence.state to its end', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    ),
  };
}
