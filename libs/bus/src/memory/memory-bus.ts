import { allTopics, encode, topics, type TopicSpec } from '@notify/contracts';
import { Gauge, metric, type Logger, type Registry } from '@notify/observability';
import { BackgroundGate } from '../background-gate';
import { deliver, deliverBatch, type DeliveryContext, type ReceivedRecord } from '../delivery';
import { runKeyed, type MessageOutcome } from '../keyed-runner';
import { busMetrics, type BusMetrics } from '../metrics';
import { retryPolicy } from '../retry';
import type { BatchHandler, BatchSubscribeOptions, Bus, Handler, OutgoingMessage, PublishOptions, RawMessage, SubscribeOptions, Subscription, TopicPositions } from '../types';
import { ConsumerGroup, type GroupMember } from './consumer-group';
import { PartitionLog, partitionForKey } from './partition-log';

export interface MemoryBusOptions {
  service: string;
  logger: Logger;
  metrics: Registry;
  provision?: readonly TopicSpec<unknown>[];
}

/**
 * The in-process transport for the embedded mode and fast tests. Same semantics as Kafka:
 * partitions by key, consumer groups, positions committed only after the handler succeeded,
 * retries and dead letters through the same delivery path. Nothing survives the process.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly topicLogs = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly subscriptions = new Set<MemorySubscription>();
  private readonly metrics: BusMetrics;
  private readonly logger: Logger;
  private roundRobin = 0;
  private readonly backgroundGate: BackgroundGate;

  constructor(private readonly options: MemoryBusOptions) {
    this.metrics = busMetrics(options.metrics);
    this.backgroundGate = new BackgroundGate((waiting) => this.metrics.backgroundWaiting.set(waiting));
    this.logger = options.logger.child({ module: 'bus', transport: 'memory' });
    const topicLogs = this.topicLogs;
    metric(
      options.metrics,
      'notify_bus_memory_records',
      () =>
        new Gauge({
          name: 'notify_bus_memory_records',
          help: 'Records the in-process bus holds per topic: what some group has not read yet, or the latest per key of a compacted topic',
          labelNames: ['topic'],
          registers: [options.metrics],
          collect() {
            for (const [topic, logs] of topicLogs) this.set({ topic }, logs.reduce((sum, log) => sum + log.size, 0));
          },
        }),
    );
  }

  async start(): Promise<void> {
    for (const spec of this.options.provision ?? allTopics) {
      if (!this.topicLogs.has(spec.name)) this.topicLogs.set(spec.name, Array.from({ length: spec.partitions }, () => new PartitionLog({ compact: spec.cleanup === 'compact', retentionMs: spec.retentionMs })));
    }
  }

  /** One log per topic in memory: nothing to separate lanes from, so `options.lane` changes nothing. */
  async publish<T>(spec: TopicSpec<T>, messages: ReadonlyArray<OutgoingMessage<T>>, _options?: PublishOptions): Promise<void> {
    // Encode everything first: a batch with one invalid message writes nothing, as with Kafka.
    const raw = messages.map((m) => ({ key: m.key ?? spec.keyOf(m.value), value: encode(spec, m.value), headers: m.headers }));
    await this.publishRaw(spec, raw);
  }

  async publishRaw(spec: TopicSpec<unknown>, messages: ReadonlyArray<RawMessage>): Promise<void> {
    const logs = this.logsOf(spec.name);
    for (const m of messages) {
      const partition = partitionForKey(m.key, logs.length, () => this.roundRobin++);
      logs[partition]!.append({ key: m.key, value: Buffer.from(m.value), headers: { ...m.headers }, timestamp: Date.now() });
    }
    this.metrics.published.inc({ topic: spec.name }, messages.length);
  }

  async subscribe<T>(spec: TopicSpec<T>, options: SubscribeOptions, handler: Handler<T>): Promise<MemorySubscription> {
    const limit = options.keysConcurrently ?? 1;
    return this.join(spec, options, handler, (batch, context, gate, commit) =>
      runKeyed(batch, {
        limit,
        keyOf: (record) => record.key,
        mayStart: () => !context.signal.aborted,
        run: async (record) => {
          await gate?.turn();
          return deliver(context, record);
        },
        onCommittable: commit,
      }),
    );
  }

  async subscribeBatch<T>(spec: TopicSpec<T>, options: BatchSubscribeOptions, handler: BatchHandler<T>): Promise<MemorySubscription> {
    const sliceSize = Math.max(1, options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
    return this.join(spec, options, handler, async (batch, context, gate, commit) => {
      for (let start = 0; start < batch.length; start += sliceSize) {
        if (context.signal.aborted) return 'aborted';
        const slice = batch.slice(start, start + sliceSize);
        await gate?.turn();
        if ((await deliverBatch(context, slice)) === 'aborted') return 'aborted';
        commit(slice[slice.length - 1]!);
      }
      return 'committable';
    });
  }

  private join<T, H>(spec: TopicSpec<T>, options: Omit<SubscribeOptions, 'keysConcurrently'>, handler: H, work: PartitionWork<T, H>): MemorySubscription {
    const groupKey = `${spec.name}\u0000${options.groupId}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      group = new ConsumerGroup(this.logsOf(spec.name), options.fromBeginning === false);
      this.groups.set(groupKey, group);
    }
    const context: Omit<DeliveryContext<T>, 'signal' | 'handler'> & { handler: H } = {
      spec,
      groupId: options.groupId,
      handler,
      policy: retryPolicy(options.retry),
      deadLetter: async (record) => {
        await this.publish(topics.notifyDlq, [{ value: record }]);
        await options.onDeadLetter?.(record);
      },
      metrics: this.metrics,
      logger: this.logger,
      service: this.options.service,
    };
    const gate = options.background ? this.backgroundGate : null;
    const subscription: MemorySubscription = new MemorySubscription(
      spec.name,
      options.groupId,
      group,
      (batch, signal, commit) => work(batch, { ...context, signal }, gate, commit),
      () => this.subscriptions.delete(subscription),
      options.onAssigned,
    );
    this.subscriptions.add(subscription);
    group.join(subscription);
    return subscription;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  async ping(): Promise<void> {}

  async latestOffsets(spec: TopicSpec<unknown>): Promise<number[]> {
    return this.logsOf(spec.name).map((log) => (log.start >= log.end ? 0 : log.end));
  }

  async positions(spec: TopicSpec<unknown>): Promise<TopicPositions> {
    const prefix = `${spec.name}\u0000`;
    const groups = [...this.groups]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, group]) => ({ groupId: key.slice(prefix.length), members: group.memberCount, committed: [...group.positions] }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
    return { ends: this.logsOf(spec.name).map((log) => log.end), groups };
  }

  backgroundWaiting(): number {
    return this.backgroundGate.queued;
  }

  /** How many records a topic holds now, across partitions (what every group has read is dropped). */
  size(spec: TopicSpec<unknown>): number {
    return this.logsOf(spec.name).reduce((sum, log) => sum + log.size, 0);
  }

  private logsOf(name: string): PartitionLog[] {
    const logs = this.topicLogs.get(name);
    if (!logs) throw new Error(`unknown topic ${name}: it is not in the catalogue (or the bus was not started)`);
    return logs;
  }
}

/** Records one consume step takes from a partition at most. */
const MAX_BATCH = 256;

/** Messages a batch handler gets at most at once, unless its subscription says otherwise. */
const DEFAULT_MAX_BATCH_SIZE = 500;


/** Works one fetched batch of a partition; `commit` moves the position past a record. */
type PartitionWork<T, H> = (
  batch: ReceivedRecord[],
  context: Omit<DeliveryContext<T>, 'handler'> & { handler: H },
  gate: BackgroundGate | null,
  commit: (record: ReceivedRecord) => void,
) => Promise<MessageOutcome>;

/** The same, once the subscription has bound its context. */
type BoundWork = (batch: ReceivedRecord[], signal: AbortSignal, commit: (record: ReceivedRecord) => void) => Promise<MessageOutcome>;

export class MemorySubscription implements Subscription, GroupMember {
  private readonly loops = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private held: readonly number[] = [];
  private crashed = false;
  private stopping: Promise<void> | undefined;
  private heardAt: number | null = null;

  constructor(
    readonly topic: string,
    readonly groupId: string,
    private readonly group: ConsumerGroup,
    private readonly work: BoundWork,
    private readonly onStopped: () => void,
    private readonly onAssigned?: (partitions: readonly number[]) => void,
  ) {}

  assignedPartitions(): readonly number[] {
    return this.held;
  }

  lastHeardAt(): number | null {
    // In process the topic is always within reach, until the member crashes or stops.
    if (!this.crashed && !this.stopping) this.heardAt = Date.now();
    return this.heardAt;
  }

  assign(partitions: number[]): void {
    this.held = this.crashed || this.stopping ? [] : [...partitions].sort((a, b) => a - b);
    if (!this.crashed && !this.stopping) this.onAssigned?.(this.held);
    for (const [partition, loop] of this.loops) {
      if (!partitions.includes(partition)) {
        loop.controller.abort();
        this.loops.delete(partition);
      }
    }
    for (const partition of partitions) {
      if (this.loops.has(partition) || this.crashed) continue;
      const controller = new AbortController();
      this.loops.set(partition, { controller, done: this.consume(partition, controller.signal) });
    }
  }

  private async consume(partition: number, signal: AbortSignal): Promise<void> {
    const log = this.group.logs[partition]!;
    await this.group.handoff[partition];
    while (!signal.aborted && !this.crashed && this.group.owns(this, partition)) {
      const position = this.group.positions[partition]!;
      if (position >= log.end) {
        await log.waitFor(position, signal);
        continue;
      }
      // What is there now, as Kafka would hand over a fetched batch.
      const batch = log.read(position, MAX_BATCH).map((record) => ({ ...record, offset: String(record.offset), partition }));
      if (batch.length === 0) {
        // Everything from the position on was dropped (time retention): wait for what comes next.
        await log.waitFor(log.end, signal);
        continue;
      }
      // A crashed consumer commits nothing; a graceful one commits the messages it finished.
      const step = this.work(batch, signal, (record) => {
        if (!this.crashed) this.group.commit(partition, Number(record.offset) + 1);
      });
      this.group.handoff[partition] = step.catch(() => undefined);
      if ((await step) === 'aborted') break;
    }
  }

  /** Graceful: finish the message in hand, commit it, leave the group. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.held = [];
      const loops = [...this.loops.values()];
      for (const loop of loops) loop.controller.abort();
      await Promise.all(loops.map((l) => l.done));
      this.loops.clear();
      this.group.leave(this);
      this.onStopped();
    })();
    return this.stopping;
  }

  /**
   * What a process killed with SIGKILL looks like to the group: nothing more is committed,
   * the message in hand is abandoned mid-flight, and the partitions go to the other members at once.
   */
  crash(): void {
    this.crashed = true;
    this.held = [];
    const partitions = [...this.loops.keys()];
    for (const loop of this.loops.values()) loop.controller.abort();
    this.loops.clear();
    this.group.forgetHandoffs(partitions);
    this.group.leave(this);
    this.onStopped();
  }
}
