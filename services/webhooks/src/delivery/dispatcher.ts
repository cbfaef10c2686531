import type { Logger } from '@notify/observability';
import type { WebhookAttemptResult, WebhookDelivery, WebhookEndpoint, WebhookRepository } from '@notify/store';
import { nextAttemptAt, type WebhookRetryPolicy } from './backoff';
import type { SendOutcome, WebhookPoster } from './http-sender';
import { MergedStoreCalls } from './merged-store-calls';
import { batchIdOf } from './payload';
import { PendingWindow } from './pending-window';
import { signatureHeaders } from './signing';

export interface DispatcherOptions {
  webhooks: WebhookRepository;
  /** The endpoints to send to (disabled ones are skipped). */
  endpoints: () => Promise<readonly WebhookEndpoint[]>;
  post: WebhookPoster;
  retry: WebhookRetryPolicy;
  timeoutMs: number;
  /** POSTs in flight at once, across endpoints. */
  concurrency: number;
  /** POSTs in flight at once to one endpoint. */
  perEndpointConcurrency: number;
  pollMs: number;
  leaseMs: number;
  /** Disable an endpoint that answers 410 Gone. */
  disableOnGone: boolean;
  /** After a rotation, how long the previous secret also signs. */
  holder: string;
  logger: Logger;
  /** Pending deliveries read per endpoint and pass. */
  window?: number;
  onAttempt?: (outcome: SendOutcome, seconds: number, deliveries: number) => void;
  onFinished?: (outcome: 'delivered' | 'retried' | 'parked', deliveries: number) => void;
  onDisabled?: (endpoint: WebhookEndpoint) => void;
  now?: () => Date;
  random?: () => number;
}

/**
 * Sends the outbox. Each pass reads every enabled endpoint's pending deliveries and starts, within the
 * concurrency limits, the head of each chain that is due and not already in flight: a chain (one
 * notification at one endpoint) has one delivery in flight at a time, and the next waits until the
 * one before is delivered or parked. Sends are not awaited by the pass, so a slow or dead endpoint
 * holds only its own slots. An endpoint that asks for batches gets one batch at a time, in order.
 * Every send holds a lease in the store, so instances never send the same delivery at once.
 */
export class Dispatcher {
  private readonly inFlight = new Set<string>();
  private readonly perEndpoint = new Map<string, number>();
  private running = 0;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly sends = new Set<Promise<void>>();
  /** Per endpoint, until when its last scan found nothing due (its earliest retry): it is not read again before. */
  private readonly idleUntil = new Map<string, number>();
  /** Per endpoint, its pending deliveries as last read and updated by the sends since. */
  private readonly windows = new Map<string, PendingWindow>();
  private readonly store: MergedStoreCalls;

  constructor(private readonly options: DispatcherOptions) {
    this.store = new MergedStoreCalls(options.webhooks, options.holder, options.leaseMs, () => this.now());
  }

  /** Deliveries being sent by this instance now. */
  get sending(): number {
    return this.running;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops looking for work and waits for the sends in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.sends]);
  }

  /** Looks for work at once: at every endpoint (deliveries were written), or at one (a send to it finished). */
  wake(endpointId?: string): void {
    if (endpointId === undefined) {
      this.idleUntil.clear();
      this.windows.clear();
    } else this.idleUntil.delete(endpointId);
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      try {
        await this.pass();
      } catch (err) {
        this.options.logger.warn({ err }, 'webhook dispatch pass failed; trying again');
      }
      if (this.stopped) break;
      if (!this.woken) {
        const polled = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), this.options.pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        // A poll reads every endpoint's outbox again: other instances and retries by hand change it too.
        if (polled) this.windows.clear();
      }
      this.wakeUp = undefined;
    }
  }

  /** One look at every endpoint; resolves once the sends it chose have started. */
  async pass(): Promise<void> {
    const endpoints = (await this.options.endpoints()).filter((e) => !e.disabled);
    await Promise.all(endpoints.map((endpoint) => this.passEndpoint(endpoint)));
  }

  private capacity(endpointId: string): number {
    return Math.min(this.options.concurrency - this.running, this.options.perEndpointConcurrency - (this.perEndpoint.get(endpointId) ?? 0));
  }

  private async passEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    if (this.capacity(endpoint.id) <= 0) return;
    if (endpoint.batch) {
      if (!this.inFlight.has(batchKey(endpoint.id))) this.spawn(endpoint.id, batchKey(endpoint.id), () => this.sendBatch(endpoint));
      return;
    }
    const now = this.now();
    if ((this.idleUntil.get(endpoint.id) ?? 0) > now.getTime()) return;
    const size = this.options.window ?? 500;
    let window = this.windows.get(endpoint.id);
    if (!window || window.spent) this.windows.set(endpoint.id, (window = new PendingWindow((afterSeq) => this.options.webhooks.pending(endpoint.id, size, afterSeq), size)));
    let earliest = Number.POSITIVE_INFINITY;
    let started = false;
    // Chains already met: a later delivery of one is not its head. Reading on past a full window
    // finds the heads of chains that start later, so one long chain stuck behind a failing delivery
    // holds up its endpoint's other notifications only for a few windows.
    const seen = new Set<string>();
    let batch = window.pages === 0 ? await window.readMore() : window.deliveries();
    for (;;) {
      for (const delivery of batch) {
        if (seen.has(delivery.chain)) continue;
        seen.add(delivery.chain);
        if (this.inFlight.has(chainKey(endpoint.id, delivery.chain))) continue;
        if (delivery.nextAttemptAt > now) {
          earliest = Math.min(earliest, delivery.nextAttemptAt.getTime());
          continue;
        }
        if (this.capacity(endpoint.id) <= 0) return;
        started = true;
        this.spawn(endpoint.id, chainKey(endpoint.id, delivery.chain), () => this.sendOne(endpoint, delivery));
      }
      if (window.complete || window.pages >= MAX_PAGES || this.capacity(endpoint.id) <= 0) break;
      batch = await window.readMore();
    }
    // Nothing was due: leave this endpoint alone until its first retry is (or something wakes it).
    if (window.complete && !started && (this.perEndpoint.get(endpoint.id) ?? 0) === 0 && Number.isFinite(earliest)) this.idleUntil.set(endpoint.id, earliest);
  }

  private spawn(endpointId: string, key: string, work: () => Promise<boolean>): void {
    this.inFlight.add(key);
    this.running++;
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1);
    const done = work()
      .catch((err: unknown) => {
        this.options.logger.warn({ err, endpointId }, 'webhook send failed before an answer; it is retried');
        return true;
      })
      .then((didWork) => {
        this.inFlight.delete(key);
        this.running--;
        this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 1) - 1);
        this.sends.delete(done);
        // The next of the chain (or batch) may go at once.
        if (didWork) this.wake(endpointId);
      });
    this.sends.add(done);
  }

  /**
   * Sends one delivery under its lease; false when there was nothing to do (another instance has it,
   * or had it: what this one knows of the endpoint's outbox is out of date, and is read again).
   */
  private async sendOne(endpoint: WebhookEndpoint, seen: WebhookDelivery): Promise<boolean> {
    const { store } = this;
    const leased = await store.lease(seen.id);
    if (!leased) {
      this.windows.delete(endpoint.id);
      return false;
    }
    try {
      // Read again under the lease: another instance may have sent it since this pass read it.
      const delivery = await store.getDelivery(seen.id);
      if (!delivery || delivery.state !== 'pending' || delivery.nextAttemptAt > this.now()) {
        this.windows.delete(endpoint.id);
        return false;
      }
      const result = await this.attempt(endpoint, [delivery], delivery.id, JSON.stringify(delivery.payload));
      this.windows.get(endpoint.id)?.settle(delivery.id, result);
      return true;
    } finally {
      await store.release(seen.id, leased).catch(() => undefined);
    }
  }

  /**
   * Sends an endpoint's next batch under the endpoint's lease: the batch already formed (a retry, same
   * members, same id), or a new one once it is full or its first delivery has waited `maxWaitMs`.
   */
  private async sendBatch(endpoint: WebhookEndpoint): Promise<boolean> {
    const { webhooks } = this.options;
    const batch = endpoint.batch!;
    const now = this.now();
    const key = batchKey(endpoint.id);
    const leased = await this.store.lease(key);
    if (!leased) return false;
    try {
      const pending = await webhooks.pending(endpoint.id, Math.max(this.options.window ?? 500, batch.maxSize));
      const formed = pending.find((d) => d.batchId !== undefined);
      let members: WebhookDelivery[];
      let batchId: string;
      if (formed) {
        members = pending.filter((d) => d.batchId === formed.batchId);
        batchId = formed.batchId!;
        if (formed.nextAttemptAt > now) return false;
      } else {
        members = pending.filter((d) => d.nextAttemptAt <= now).slice(0, batch.maxSize);
        const oldest = members.reduce<Date | undefined>((min, d) => (!min || d.createdAt < min ? d.createdAt : min), undefined);
        if (!oldest || (members.length < batch.maxSize && now.getTime() - oldest.getTime() < batch.maxWaitMs)) return false;
        batchId = batchIdOf(members.map((d) => d.id));
        await webhooks.assignBatch(members.map((d) => d.id), batchId);
      }
      const body = `[${members.map((d) => JSON.stringify(d.payload)).join(',')}]`;
      await this.attempt(endpoint, members, batchId, body);
      return true;
    } finally {
      await this.store.release(key, leased).catch(() => undefined);
    }
  }

  /** One POST of `body` for these deliveries, and what it did to them (all share one attempt count and window), as recorded. */
  private async attempt(endpoint: WebhookEndpoint, deliveries: readonly WebhookDelivery[], id: string, body: string): Promise<WebhookAttemptResult> {
    const { webhooks } = this.options;
    const started = this.now();
    const secrets = [endpoint.secret, ...(endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > started ? [endpoint.previousSecret] : [])];
    const headers = signatureHeaders(secrets, id, started, body);
    const t0 = performance.now();
    const outcome = await this.options.post(endpoint.url, { ...headers }, body, this.options.timeoutMs);
    this.options.onAttempt?.(outcome, (performance.now() - t0) / 1000, deliveries.length);
    const now = this.now();
    const first = deliveries[0]!;
    const attempts = first.attempts + 1;
    // The window opens at the first attempt, so a delivery that waited its turn behind its chain still gets all of it.
    const retryFrom = first.attempts === 0 ? started : first.retryFrom;
    const opened = first.attempts === 0 ? { retryFrom } : {};
    const ids = deliveries.map((d) => d.id);
    const record = async (result: WebhookAttemptResult) => {
      await this.store.recordAttempt(ids, result);
      return result;
    };
    const statusCode = outcome.kind === 'answered' ? outcome.status : undefined;
    if (outcome.kind === 'answered' && outcome.ok) {
      const delivered = await record({ ...opened, state: 'delivered', attempts, nextAttemptAt: now, finishedAt: now, lastStatusCode: statusCode, lastError: undefined });
      this.options.onFinished?.('delivered', ids.length);
      return delivered;
    }
    const error = outcome.error ?? `HTTP ${statusCode}`;
    if (statusCode === 410 && this.options.disableOnGone) {
      const disabled = await webhooks.updateEndpoint(endpoint.id, { disabled: true, disabledReason: `the receiver answered 410 Gone at ${now.toISOString()}` }, now);
      if (disabled) this.options.onDisabled?.(disabled);
      this.options.logger.warn({ endpointId: endpoint.id, url: endpoint.url }, 'webhook endpoint answered 410 Gone: disabled');
    }
    const next = nextAttemptAt(attempts, retryFrom, now, this.options.retry, this.options.random);
    if (next === null) {
      const parked = await record({ ...opened, state: 'failed', attempts, nextAttemptAt: now, finishedAt: now, lastStatusCode: statusCode, lastError: error });
      this.options.onFinished?.('parked', ids.length);
      this.options.logger.warn({ endpointId: endpoint.id, deliveryId: id, attempts, error }, 'webhook delivery parked as failed after its retry window');
      return parked;
    }
    const retried = await record({ ...opened, state: 'pending', attempts, nextAttemptAt: next, lastStatusCode: statusCode, lastError: error });
    this.options.onFinished?.('retried', ids.length);
    return retried;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** Windows of pending deliveries one pass reads per endpoint at most. */
const MAX_PAGES = 8;
const chainKey = (endpointId: string, chain: string) => `chain:${endpointId}:${chain}`;
const batchKey = (endpointId: string) => `batch:${endpointId}`;
