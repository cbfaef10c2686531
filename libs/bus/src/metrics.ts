import { Counter, Gauge, Histogram, metric, type Registry } from '@notify/observability';

export interface BusMetrics {
  published: Counter<'topic'>;
  consumed: Counter<'topic' | 'group' | 'outcome'>;
  retries: Counter<'topic' | 'group' | 'meaning'>;
  deadLettered: Counter<'topic' | 'reason'>;
  handlerSeconds: Histogram<'topic' | 'group'>;
  backgroundWaiting: Gauge;
  /** Handler calls running now; a hung one shows as a count that stays and an age that grows. */
  inFlight: HandlersInFlight;
}

/**
 * The handler calls running now, per topic and group. A handler waiting forever (a write on a socket
 * the database stopped answering) holds its partition with no error logged and no histogram sample,
 * since the histogram counts only finished calls; this is what makes it visible.
 */
export class HandlersInFlight {
  private readonly running = new Map<string, { topic: string; group: string; startedAt: Map<number, number> }>();
  private nextId = 0;

  /** Marks a call started; the returned function marks it finished. */
  begin(topic: string, group: string): () => void {
    const key = `${topic}\u0000${group}`;
    let entry = this.running.get(key);
    if (!entry) this.running.set(key, (entry = { topic, group, startedAt: new Map() }));
    const id = this.nextId++;
    entry.startedAt.set(id, Date.now());
    const calls = entry.startedAt;
    return () => void calls.delete(id);
  }

  /** Per topic and group seen so far: calls running and how long the oldest has run (0 when none). */
  snapshot(now = Date.now()): Array<{ topic: string; group: string; count: number; oldestSeconds: number }> {
    return [...this.running.values()].map(({ topic, group, startedAt }) => {
      let oldest = now;
      for (const at of startedAt.values()) oldest = Math.min(oldest, at);
      return { topic, group, count: startedAt.size, oldestSeconds: (now - oldest) / 1000 };
    });
  }
}

const trackers = new WeakMap<Registry, HandlersInFlight>();

export function busMetrics(registry: Registry): BusMetrics {
  const registers = [registry];
  // One tracker per registry, as the gauges are: every bus on it reports through them.
  let inFlight = trackers.get(registry);
  if (!inFlight) trackers.set(registry, (inFlight = new HandlersInFlight()));
  const tracker = inFlight;
  metric(registry, 'notify_bus_handlers_in_flight', () => new Gauge({ name: 'notify_bus_handlers_in_flight', help: 'Handler calls running now, per topic and consumer group', labelNames: ['topic', 'group'], registers, collect() { for (const s of tracker.snapshot()) this.set({ topic: s.topic, group: s.group }, s.count); } }));
  metric(registry, 'notify_bus_oldest_handler_seconds', () => new Gauge({ name: 'notify_bus_oldest_handler_seconds', help: 'How long the oldest running handler call has run, per topic and consumer group: one that keeps growing is a handler stuck (its partition reads nothing meanwhile)', labelNames: ['topic', 'group'], registers, collect() { for (const s of tracker.snapshot()) this.set({ topic: s.topic, group: s.group }, s.oldestSeconds); } }));
  return {
    inFlight: tracker,
    published: metric(registry, 'notify_bus_published_total', () => new Counter({ name: 'notify_bus_published_total', help: 'Messages published', labelNames: ['topic'], registers })),
    consumed: metric(registry, 'notify_bus_consumed_total', () => new Counter({ name: 'notify_bus_consumed_total', help: 'Messages consumed, by outcome (ok, dead_lettered)', labelNames: ['topic', 'group', 'outcome'], registers })),
    retries: metric(registry, 'notify_bus_retries_total', () => new Counter({ name: 'notify_bus_retries_total', help: 'Handler failures that were retried', labelNames: ['topic', 'group', 'meaning'], registers })),
    deadLettered: metric(registry, 'notify_bus_dead_lettered_total', () => new Counter({ name: 'notify_bus_dead_lettered_total', help: 'Messages set aside on the dead-letter topic, by reason', labelNames: ['topic', 'reason'], registers })),
    backgroundWaiting: metric(registry, 'notify_bus_background_waiting', () => new Gauge({ name: 'notify_bus_background_waiting', help: 'Messages of background consumers (marketing lane, status trail) waiting for a turn: high and rising means urgent work leaves them too little CPU', registers })),
    handlerSeconds: metric(registry, 'notify_bus_handler_duration_seconds', () => new Histogram({ name: 'notify_bus_handler_duration_seconds', help: 'Time a handler took per message', labelNames: ['topic', 'group'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers })),
  };
}
