import { Kafka, Partitioners, logLevel, type Admin, type Batch as KafkaBatch, type Consumer, type EachBatchPayload, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import type { KafkaSecurity } from '@notify/config';
import { allTopics, encode, topics, type TopicSpec } from '@notify/contracts';
import { Gauge, metric, type Logger, type Registry } from '@notify/observability';
import { BackgroundGate } from '../background-gate';
import { deliver, deliverBatch, type DeliveryContext, type ReceivedRecord } from '../delivery';
import { runKeyed } from '../keyed-runner';
import { busMetrics, type BusMetrics } from '../metrics';
import { retryPolicy } from '../retry';
import { physicalGroupId, physicalTopicName } from '../topic-names';
import type { BatchHandler, BatchSubscribeOptions, Bus, Handler, OutgoingMessage, PublishLane, PublishOptions, RawMessage, SubscribeOptions, Subscription, TopicPositions } from '../types';
import { kafkaLogCreator } from './log-adapter';
import { provisionTopics } from './provision';
import { saslOf } from './sasl';
import { OffsetCommitter } from './offset-committer';
import { healsByRejoining, Rejoiner } from './rejoin';
import { SendQueue } from './send-queue';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Service name written into dead letters. */
  service: string;
  topicPrefix?: string;
  logger: Logger;
  metrics: Registry;
  /** Topics to create on start; the whole catalogue unless told otherwise. */
  provision?: readonly TopicSpec<unknown>[];
  /** How long the broker waits for a silent consumer before handing its partitions to others. */
  sessionTimeoutMs?: number;
  /** TLS (with the CA, client certificate and key as PEM text) and SASL, for a secured cluster. */
  security?: KafkaSecurity | undefined;
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  /** One producer per lane: kafkajs's idempotent producer sends one request per broker at a time. */
  private readonly producers: Record<PublishLane, Producer>;
  private readonly queues: Record<PublishLane, SendQueue>;
  private readonly admin: Admin;
  private readonly metrics: BusMetrics;
  private readonly prefix: string;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly logger: Logger;
  private readonly backgroundGate: BackgroundGate;
  /** Consumers kafkajs gave up on (group → why): the process is no longer ready. */
  private readonly deadConsumers = new Map<string, string>();
  /** Consumers out of their group after an error a broker coming back heals, rejoining (group → rejoiner). */
  private readonly rejoiners = new Map<string, Rejoiner>();

  constructor(private readonly options: KafkaBusOptions) {
    this.prefix = options.topicPrefix ?? '';
    this.logger = options.logger.child({ module: 'bus', transport: 'kafka' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.INFO,
      logCreator: kafkaLogCreator(options.logger),
      connectionTimeout: 3000,
      retry: { initialRetryTime: 200, retries: 8 },
      ...(options.security?.ssl ? { ssl: options.security.ssl } : {}),
      ...(options.security?.sasl ? { sasl: saslOf(options.security.sasl) } : {}),
    });
    // Idempotent + acks=all: a retried send is never written twice, and a write is on every in-sync replica.
    const producer = () =>
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
    this.producers = { default: producer(), bulk: producer() };
    this.queues = { default: new SendQueue(this.producers.default), bulk: new SendQueue(this.producers.bulk) };
    this.admin = this.kafka.admin();
    this.metrics = busMetrics(options.metrics);
    this.backgroundGate = new BackgroundGate((waiting) => this.metrics.backgroundWaiting.set(waiting));
    const queues = this.queues;
    metric(
      options.metrics,
      'notify_bus_send_queue_messages',
      () =>
        new Gauge({
          name: 'notify_bus_send_queue_messages',
          help: 'Messages waiting to be merged into the next produce request, per lane',
          labelNames: ['lane'],
          registers: [options.metrics],
          collect() {
            for (const [lane, queue] of Object.entries(queues)) this.set({ lane }, queue.waitingMessages);
          },
        }),
    );
  }

  async start(): Promise<void> {
    await this.admin.connect();
    const created = await provisionTopics(this.admin, this.prefix, this.options.provision ?? allTopics);
    if (created.length > 0) this.logger.info({ created }, 'provisioned topics');
    await Promise.all(Object.values(this.producers).map((p) => p.connect()));
  }

  async publish<T>(spec: TopicSpec<T>, messages: ReadonlyArray<OutgoingMessage<T>>, options: PublishOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    await this.send(
      spec,
      messages.map((m) => ({ key: m.key ?? spec.keyOf(m.value), value: encode(spec, m.value), headers: m.headers })),
      options.lane ?? 'default',
    );
  }

  async publishRaw(spec: TopicSpec<unknown>, messages: ReadonlyArray<RawMessage>): Promise<void> {
    if (messages.length === 0) return;
    await this.send(spec, messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })), 'default');
  }

  private async send(spec: TopicSpec<unknown>, messages: Array<{ key: string | null; value: Buffer | string; headers?: IHeaders }>, lane: PublishLane): Promise<void> {
    await this.queues[lane].send(physicalTopicName(this.prefix, spec.name), messages);
    this.metrics.published.inc({ topic: spec.name }, messages.length);
  }

  async subscribe<T>(spec: TopicSpec<T>, options: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
    return this.consume(spec, options, handler, async ({ batch, context, gate, resolveOffset, heartbeat, mayStart }) => {
      // Not resolved when aborted: the rest of the batch is redelivered after restart or rebalance.
      await runKeyed(batch.messages, {
        limit: options.keysConcurrently ?? 1,
        keyOf: (message) => message.key?.toString('utf8') ?? null,
        mayStart,
        run: async (message) => {
          await gate?.turn();
          return deliver({ ...context, heartbeat }, receivedRecord(batch.partition, message));
        },
        // Only now may the position move past this message.
        onCommittable: async (message) => {
          resolveOffset(message.offset);
          await heartbeat();
        },
      });
    });
  }

  async subscribeBatch<T>(spec: TopicSpec<T>, options: BatchSubscribeOptions, handler: BatchHandler<T>): Promise<Subscription> {
    const sliceSize = Math.max(1, options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
    return this.consume(spec, options, handler, async ({ batch, context, gate, resolveOffset, heartbeat, mayStart }) => {
      for (let start = 0; start < batch.messages.length && mayStart(); start += sliceSize) {
        const slice = batch.messages.slice(start, start + sliceSize);
        await gate?.turn();
        const outcome = await deliverBatch({ ...context, heartbeat }, slice.map((message) => receivedRecord(batch.partition, message)));
        if (outcome === 'aborted') return;
        resolveOffset(slice[slice.length - 1]!.offset);
        await heartbeat();
      }
    });
  }

  /** One consumer group member: joins, hands each fetched batch to `work`, commits what `work` resolved. */
  private async consume<T, H>(spec: TopicSpec<T>, options: Omit<SubscribeOptions, 'keysConcurrently'>, handler: H, work: (step: BatchStep<T, H>) => Promise<void>): Promise<Subscription> {
    const groupId = physicalGroupId(this.prefix, options.groupId, spec.name);
    const commits = options.commitOffsets ?? true;
    // Ten heartbeats per session: a member must miss many before the broker declares it dead.
    const heartbeatIntervalMs = Math.max(500, Math.floor((this.options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS) / 10));
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: 500,
      // kafkajs decodes a whole fetch response in one go: a background consumer's stays small enough not to block the process.
      ...(options.background ? BACKGROUND_FETCH : {}),
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, retries: 8 },
    });
    const gate = options.background ? this.backgroundGate : null;
    const controller = new AbortController();
    const committer = new OffsetCommitter(consumer, COMMIT_INTERVAL_MS, this.logger);
    const context: Omit<DeliveryContext<T>, 'handler'> & { handler: H } = {
      spec,
      groupId: options.groupId,
      handler,
      policy: retryPolicy(options.retry),
      signal: controller.signal,
      deadLetter: async (record) => {
        await this.publish(topics.notifyDlq, [{ value: record }]);
        await options.onDeadLetter?.(record);
      },
      metrics: this.metrics,
      logger: this.logger,
      service: this.options.service,
    };
    let gaveUp: (err: Error) => void = () => {};
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      gaveUp = reject;
    });
    joined.catch(() => undefined); // awaited below; it may fail before that

    // The partitions the group gave this member last; none from the moment it hears of a rebalance until it rejoins.
    let held: readonly number[] = [];
    const topic = physicalTopicName(this.prefix, spec.name);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => (held = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b)));
    // kafkajs emits this between joining and its first fetch of the new assignment.
    if (options.onAssigned) consumer.on(consumer.events.GROUP_JOIN, () => options.onAssigned!(held));
    for (const lost of [consumer.events.REBALANCING, consumer.events.CRASH, consumer.events.STOP]) consumer.on(lost, () => (held = []));
    // kafkajs fetches at least every maxWaitTimeInMs while it reaches the broker, answered even when empty.
    let heardAt: number | null = null;
    consumer.on(consumer.events.FETCH, () => (heardAt = Date.now()));
    const fromBeginning = options.fromBeginning ?? true;
    const run = {
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
      // Commits are the committer's: kafkajs's auto-commit would send one after every batch.
      autoCommit: false,
      autoCommitInterval: COMMIT_INTERVAL_MS,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload) => {
        const beating = keepAlive(heartbeat, heartbeatIntervalMs);
        try {
          await work({ batch, context, gate, resolveOffset, heartbeat, mayStart: () => isRunning() && !isStale() && !controller.signal.aborted });
        } finally {
          beating.stop();
        }
        if (commits) await committer.afterBatch({ commitOffsetsIfNecessary, uncommittedOffsets }, controller.signal.aborted || !isRunning());
      },
    };
    const rejoiner = new Rejoiner({
      rejoin: async () => {
        if (controller.signal.aborted) return;
        await consumer.connect();
        if (controller.signal.aborted) return void (await consumer.disconnect());
        await consumer.subscribe({ topic, fromBeginning });
        await consumer.run(run);
      },
      onFailedAttempt: (err, nextDelayMs) => this.logger.warn({ err, groupId, nextDelayMs }, 'a consumer could not rejoin its group yet'),
    });
    controller.signal.addEventListener('abort', () => {
      rejoiner.cancel();
      this.rejoiners.delete(groupId);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      rejoiner.joined();
      this.rejoiners.delete(groupId);
    });
    // kafkajs restarts a consumer after an error it takes for retriable; after some a broker restart
    // causes it does not (see rejoin.ts), and the bus rejoins. Any other crash leaves the consumer
    // stopped for good: the process then reads nothing more from this topic, and must not look ready.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || controller.signal.aborted) return;
      if (healsByRejoining(payload.error)) {
        this.rejoiners.set(groupId, rejoiner);
        rejoiner.schedule(payload.error.message);
        this.logger.warn({ err: payload.error, groupId }, 'a consumer left its group after a broker error; rejoining');
        return;
      }
      this.deadConsumers.set(groupId, payload.error.message);
      gaveUp(new Error(`the consumer of ${groupId} could not join its group: ${payload.error.message}`));
      this.logger.error({ err: payload.error, groupId }, 'a consumer stopped after an error it does not recover from; restart the process');
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning });
    await consumer.run(run);
    try {
      await Promise.race([joined, new Promise((r) => setTimeout(r, 30_000))]);
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    const subscription = new KafkaSubscription(spec.name, options.groupId, consumer, controller, committer, async () => {
      this.subscriptions.delete(subscription);
      // A group that keeps no position has nothing worth keeping once its only member left.
      if (!commits) await this.admin.deleteGroups([groupId]).catch((err: Error) => this.logger.debug({ err, groupId }, 'could not delete a process group; the broker drops it once empty'));
    }, () => held, () => heardAt);
    this.subscriptions.add(subscription);
    return subscription;
  }

  async latestOffsets(spec: TopicSpec<unknown>): Promise<number[]> {
    const offsets = await retryWhileRetriable(() => this.admin.fetchTopicOffsets(physicalTopicName(this.prefix, spec.name)));
    const latest: number[] = Array.from({ length: spec.partitions }, () => 0);
    // A partition whose every record retention has deleted holds nothing to read: 0, as if empty.
    for (const { partition, high, low } of offsets) latest[partition] = Number(low) >= Number(high) ? 0 : Number(high);
    return latest;
  }

  async positions(spec: TopicSpec<unknown>): Promise<TopicPositions> {
    const topic = physicalTopicName(this.prefix, spec.name);
    const ends: number[] = Array.from({ length: spec.partitions }, () => 0);
    for (const { partition, high } of await retryWhileRetriable(() => this.admin.fetchTopicOffsets(topic))) ends[partition] = Number(high);
    // The bus names a group after its id, scoped by prefix and topic (physicalGroupId): those of this topic are found by name.
    const head = this.prefix ? `${this.prefix}.` : '';
    const tail = `.${spec.name}`;
    const { groups } = await this.admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(head) && id.endsWith(tail) && id.length > head.length + tail.length);
    if (ours.length === 0) return { ends, groups: [] };
    const { groups: described } = await this.admin.describeGroups(ours);
    const members = new Map(described.map((g) => [g.groupId, g.members.length]));
    const positions = await Promise.all(
      ours.sort().map(async (physical) => {
        const [offsets] = await this.admin.fetchOffsets({ groupId: physical, topics: [topic] });
        const committed: Array<number | null> = Array.from({ length: spec.partitions }, () => null);
        for (const { partition, offset } of offsets?.partitions ?? []) committed[partition] = Number(offset) < 0 ? null : Number(offset);
        return { groupId: physical.slice(head.length, physical.length - tail.length), members: members.get(physical) ?? 0, committed };
      }),
    );
    return { ends, groups: positions };
  }

  backgroundWaiting(): number {
    return this.backgroundGate.queued;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await Promise.all(Object.values(this.producers).map((p) => p.disconnect()));
    await this.admin.disconnect();
  }

  async ping(): Promise<void> {
    const [dead] = this.deadConsumers;
    if (dead) throw new Error(`the consumer of ${dead[0]} stopped: ${dead[1]}`);
    for (const [groupId, rejoiner] of this.rejoiners) {
      const out = rejoiner.out;
      if (out) throw new Error(`the consumer of ${groupId} is rejoining its group (out for ${Date.now() - out.at} ms after: ${out.reason})`);
    }
    await this.admin.describeCluster();
  }
}

/** What one consumer's fetch hands over, and what its work needs. */
interface BatchStep<T, H> {
  batch: KafkaBatch;
  context: Omit<DeliveryContext<T>, 'handler'> & { handler: H };
  gate: BackgroundGate | null;
  resolveOffset: (offset: string) => void;
  heartbeat: () => Promise<void>;
  /** False once the consumer stops or loses the partition: start nothing new. */
  mayStart: () => boolean;
}

/** Messages a batch handler gets at most at once, unless its subscription says otherwise. */
const DEFAULT_MAX_BATCH_SIZE = 500;
/** What a crashed member costs: its partitions wait this long, and so does its restart, to rejoin. */
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

function receivedRecord(partition: number, message: KafkaMessage): ReceivedRecord {
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    value: message.value ?? Buffer.alloc(0),
    headers: headersToStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/**
 * How long one batch's handling may keep its member in the group. Past it the heartbeats stop, so a
 * handler that hangs for good gives its partitions up after the session timeout.
 */
const LONGEST_KEPT_ALIVE_MS = 15 * 60_000;

/**
 * kafkajs heartbeats only between batches and when asked to: a handler that waits longer than the
 * session timeout (a push waiting out a provider's Retry-After or a project's quota pause) would be
 * taken for dead, its partitions handed to another member, and its work redelivered. This asks for a
 * heartbeat at the member's interval while the batch is handled (kafkajs sends at most one per interval).
 */
function keepAlive(heartbeat: () => Promise<void>, intervalMs: number): { stop(): void } {
  const started = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - started > LONGEST_KEPT_ALIVE_MS) return clearInterval(timer);
    // A heartbeat refused during a rebalance is the next batch's business: kafkajs marks the batch stale.
    heartbeat().catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** What a background consumer fetches at most at once (kafkajs's defaults: 10 MiB, 1 MiB per partition). */
const BACKGROUND_FETCH = { maxBytes: 256 * 1024, maxBytesPerPartition: 64 * 1024 };

/** How often a consumer's positions are committed while it works (and on stop). */
const COMMIT_INTERVAL_MS = 500;

class KafkaSubscription implements Subscription {
  private stopping: Promise<void> | undefined;
  constructor(
    readonly topic: string,
    readonly groupId: string,
    private readonly consumer: Consumer,
    private readonly controller: AbortController,
    private readonly committer: OffsetCommitter,
    private readonly onStopped: () => Promise<void>,
    private readonly held: () => readonly number[],
    private readonly heardAt: () => number | null,
  ) {}

  assignedPartitions(): readonly number[] {
    return this.stopping ? [] : this.held();
  }

  lastHeardAt(): number | null {
    return this.heardAt();
  }

  stop(): Promise<void> {
    // disconnect() lets the batch in hand finish (which then commits) and leaves the group; what was
    // resolved before, with no batch since, is committed first.
    this.stopping ??= (async () => {
      this.controller.abort();
      await this.committer.flush();
      await this.consumer.disconnect();
      this.committer.stop();
      await this.onStopped();
    })();
    return this.stopping;
  }
}

/**
 * Right after topics are created, a partition's leader may not know it leads yet ("not the leader for
 * that topic-partition"): kafkajs marks such errors retriable but the admin does not always retry them.
 */
async function retryWhileRetriable<T>(call: () => Promise<T>, attempts = 50, delayMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
