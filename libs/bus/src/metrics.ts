import { Counter, Gauge, Histogram, metric, type Registry } from '@notify/observability';

export interface BusMetrics {
  published: Counter<'topic'>;
  consumed: Counter<'topic' | 'group' | 'outcome'>;
  retries: Counter<'topic' | 'group' | 'meaning'>;
  deadLettered: Counter<'topic' | 'reason'>;
  handlerSeconds: Histogram<'topic' | 'group'>;
  backgroundWaiting: Gauge;
}

export function busMetrics(registry: Registry): BusMetrics {
  const registers = [registry];
  return {
    published: metric(registry, 'notify_bus_published_total', () => new Counter({ name: 'notify_bus_published_total', help: 'Messages published', labelNames: ['topic'], registers })),
    consumed: metric(registry, 'notify_bus_consumed_total', () => new Counter({ name: 'notify_bus_consumed_total', help: 'Messages consumed, by outcome (ok, dead_lettered)', labelNames: ['topic', 'group', 'outcome'], registers })),
    retries: metric(registry, 'notify_bus_retries_total', () => new Counter({ name: 'notify_bus_retries_total', help: 'Handler failures that were retried', labelNames: ['topic', 'group', 'meaning'], registers })),
    deadLettered: metric(registry, 'notify_bus_dead_lettered_total', () => new Counter({ name: 'notify_bus_dead_lettered_total', help: 'Messages set aside on the dead-letter topic, by reason', labelNames: ['topic', 'reason'], registers })),
    backgroundWaiting: metric(registry, 'notify_bus_background_waiting', () => new Gauge({ name: 'notify_bus_background_waiting', help: 'Messages of background consumers (marketing lane, status trail) waiting for a turn: high and rising means urgent work leaves them too little CPU', registers })),
    handlerSeconds: metric(registry, 'notify_bus_handler_duration_seconds', () => new Histogram({ name: 'notify_bus_handler_duration_seconds', help: 'Time a handler took per message', labelNames: ['topic', 'group'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers })),
  };
}
