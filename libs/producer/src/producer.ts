import type { IntakeLane } from '@notify/contracts';
import { backoffDelay, defaultRetry, type RetryOptions } from './backoff';
import { ProducerClosedError, ProducerError } from './errors';
import { prepareEvent, type EventInput, type PreparedEvent } from './prepare-event';
import { httpTransport, type HttpTransportOptions } from './transports/http-transport';
import { kafkaTransport, type KafkaTransportOptions } from './transports/kafka-transport';
import { TransportFailure, type Transport } from './transports/transport';

export interface BatchingOptions {
  /** How long an event waits for others to share its request (default 5 ms; 0 sends at the next tick). */
  lingerMs: number;
  /** Most events in one request (default 100; the router takes at most 500 per POST by default). */
  maxEvents: number;
  /** Most bytes of events in one request (default 900 KiB: under the router's 1 MiB body limit). */
  maxBytes: number;
}

interface CommonOptions {
  batching?: Partial<BatchingOptions>;
  retry?: Partial<RetryOptions>;
  /** Makes the idempotency id of an event that has none (default: a random UUID). */
  newId?: () => string;
}

export type ProducerOptions = CommonOptions & ({ kafka: KafkaTransportOptions; http?: never } | { http: HttpTransportOptions; kafka?: never });

/** An accepted event: its id (the idempotency key, generated when absent) and the intake lane it went to. */
export interface SendResult {
  id: string;
  lane: IntakeLane;
}

export interface Producer {
  /** Validates the event, queues it, and resolves once it is durably on its intake topic. */
  send(event: EventInput): Promise<SendResult>;
  /** Validates every event first (one bad event: none is queued), then sends them in as few requests as the limits allow. */
  sendMany(events: readonly EventInput[]): Promise<SendResult[]>;
  /** Sends what is queued now and waits for it (failures stay with each send's own promise). */
  flush(): Promise<void>;
  /** Flushes, then disconnects; later sends reject with ProducerClosedError. */
  close(): Promise<void>;
}

interface Pending {
  prepared: PreparedEvent;
  resolve: (result: SendResult) => void;
  reject: (error: Error) => void;
  settled: Promise<unknown>;
}

const defaultBatching: BatchingOptions = { lingerMs: 5, maxEvents: 100, maxBytes: 900 * 1024 };

/**
 * A producer of notify events over Kafka (`{ kafka: { brokers } }`) or the router's HTTP intake
 * (`{ http: { url, token } }`). Events are checked with the router's own schema before anything is
 * sent, keyed by recipient, batched, and retried with backoff while the failure is temporary; the id
 * stays the same across retries, so the router drops a repeat.
 *
 * @example
 *   const producer = createProducer({ http: { url: 'https://notify.example.com', token: process.env.NOTIFY_TOKEN! } });
 *   await producer.send({ type: 'payment.done', to: { userId: 'user-42' }, payload: { title: 'Paid', amount: 12 }, priority: 'transactional' });
 *   await producer.close();
 */
export function createProducer(options: ProducerOptions): Producer {
  if (!options.kafka === !options.http) throw new TypeError('createProducer: give exactly one of { kafka } or { http }');
  if (options.kafka && !options.kafka.brokers?.length) throw new TypeError('createProducer: kafka.brokers must name at least one broker');
  if (options.http && !options.http.url) throw new TypeError('createProducer: http.url is required');
  const transport = options.kafka ? kafkaTransport(options.kafka) : httpTransport(options.http!);
  return new BatchingProducer(transport, { ...defaultBatching, ...options.batching }, { ...defaultRetry, ...options.retry }, options.newId);
}

/** Creates a producer over a transport of your own (tests, other carriers). */
export function createProducerWith(transport: Transport, options: CommonOptions = {}): Producer {
  return new BatchingProducer(transport, { ...defaultBatching, ...options.batching }, { ...defaultRetry, ...options.retry }, options.newId);
}

class BatchingProducer implements Producer {
  private queue: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumping: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly batching: BatchingOptions,
    private readonly retry: RetryOptions,
    private readonly newId?: () => string,
  ) {}

  send(event: EventInput): Promise<SendResult> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    let prepared: PreparedEvent;
    try {
      prepared = prepareEvent(event, this.newId);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.enqueue([prepared])[0]!;
  }

  async sendMany(events: readonly EventInput[]): Promise<SendResult[]> {
    if (this.closed) throw new ProducerClosedError();
    const prepared = events.map((event) => prepareEvent(event, this.newId));
    return Promise.all(this.enqueue(prepared));
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.queue.map((p) => p.settled);
    this.pump();
    await Promise.all(waiting);
    await this.pumping;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.transport.close();
  }

  private enqueue(prepared: PreparedEvent[]): Array<Promise<SendResult>> {
    const promises = prepared.map((p) => {
      let resolve!: (r: SendResult) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<SendResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.queue.push({ prepared: p, resolve, reject, settled: promise.catch(() => undefined) });
      return promise;
    });
    if (this.queue.length >= this.batching.maxEvents) this.pump();
    // Also when pumping: the loop may be past its last look at the queue.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, this.batching.lingerMs);
    return promises;
  }

  /** One batch in flight at a time, so one recipient's events reach the topic in the order they were sent. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = (async () => {
      while (this.queue.length > 0) await this.sendBatch(this.takeBatch());
    })().finally(() => {
      this.pumping = undefined;
    });
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.queue) {
      if (count > 0 && (count >= this.batching.maxEvents || bytes + p.prepared.bytes.byteLength > this.batching.maxBytes)) break;
      bytes += p.prepared.bytes.byteLength;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    let remaining = batch;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      try {
        const outcome = await this.transport.send(remaining.map((p) => p.prepared));
        if (outcome.ok) {
          for (const p of remaining) p.resolve({ id: p.prepared.event.id, lane: p.prepared.lane });
          return;
        }
        // Some events were refused for good; the others were not written (the batch is all or nothing): send them again.
        const refused = new Map(outcome.refused.map((r) => [r.index, r.error]));
        if (refused.size === 0) throw new TransportFailure('the batch was refused without saying which events', false);
        remaining.forEach((p, i) => refused.has(i) && p.reject(refused.get(i)!));
        remaining = remaining.filter((_, i) => !refused.has(i));
        attempt = -1;
      } catch (err) {
        const failure = err instanceof TransportFailure ? err : new TransportFailure((err as Error).message, false, { cause: err });
        if (!failure.retriable || attempt + 1 >= this.retry.attempts) {
          const error = new ProducerError(failure.retriable ? `gave up after ${attempt + 1} attempts: ${failure.message}` : failure.message, {
            code: failure.details.code,
            status: failure.details.status,
            retriable: failure.retriable,
            attempts: attempt + 1,
            cause: failure.details.cause,
          });
          for (const p of remaining) p.reject(error);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.max(failure.details.retryAfterMs ?? 0, backoffDelay(attempt, this.retry))));
      }
    }
  }
}
