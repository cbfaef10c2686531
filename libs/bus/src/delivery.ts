import { decode, topics, type DeadLetter, type DeadLetterReason, type TopicSpec } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import { retryMeaningOf } from './errors';
import type { BusMetrics } from './metrics';
import { backoffDelay, sleepUnlessAborted } from './retry';
import type { BatchHandler, BusMessage, Handler, RetryPolicy } from './types';

/** A message as read from the transport, before decoding. */
export interface ReceivedRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: number;
}

export interface DeliveryContext<T> {
  spec: TopicSpec<T>;
  groupId: string;
  handler: Handler<T>;
  policy: RetryPolicy;
  /** Aborted on shutdown or when the partition is taken away: stop retrying, leave the message uncommitted. */
  signal: AbortSignal;
  deadLetter: (record: DeadLetter) => Promise<void>;
  /** Keeps the group membership alive during long retries (Kafka). */
  heartbeat?: () => Promise<void>;
  metrics: BusMetrics;
  logger: Logger;
  service: string;
}

/**
 * The consume path both transports share: decode, run the handler with retries, dead-letter what cannot
 * be processed. Resolves `committable` when the position may move past this message, `aborted` when it
 * must not (shutdown mid-retry): the message is then delivered again after restart.
 */
export async function deliver<T>(ctx: DeliveryContext<T>, record: ReceivedRecord): Promise<'committable' | 'aborted'> {
  const decoded = decode(ctx.spec, record.value);
  if (!decoded.ok) {
    await setAside(ctx, record, decoded.reason, decoded.message, 0);
    return 'committable';
  }
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) return 'aborted';
    const stopTimer = ctx.metrics.handlerSeconds.startTimer({ topic: ctx.spec.name, group: ctx.groupId });
    const finished = ctx.metrics.inFlight.begin(ctx.spec.name, ctx.groupId);
    try {
      await inFlight(finished, () => ctx.handler({ topic: ctx.spec.name, ...record, value: decoded.value, attempt }));
      stopTimer();
      ctx.metrics.consumed.inc({ topic: ctx.spec.name, group: ctx.groupId, outcome: 'ok' });
      return 'committable';
    } catch (err) {
      stopTimer();
      const meaning = retryMeaningOf(err);
      const message = (err as Error)?.message ?? String(err);
      if (meaning === 'non-retriable') {
        await setAside(ctx, record, (err as { reason: DeadLetterReason }).reason, message, attempt);
        return 'committable';
      }
      if (meaning === 'retriable' && attempt >= ctx.policy.maxAttempts) {
        await setAside(ctx, record, 'handler_failed', `gave up after ${attempt} attempts: ${message}`, attempt);
        return 'committable';
      }
      ctx.metrics.retries.inc({ topic: ctx.spec.name, group: ctx.groupId, meaning });
      const delay = backoffDelay(Math.min(attempt, 30), ctx.policy);
      ctx.logger.warn({ err, topic: ctx.spec.name, group: ctx.groupId, partition: record.partition, offset: record.offset, attempt, delay, meaning }, 'handler failed; retrying');
      if (!(await sleepWithHeartbeat(ctx, delay))) return 'aborted';
    }
  }
}

/**
 * The consume path of a batch subscription: one handler call for a whole slice of a partition. What
 * does not decode is dead-lettered first. A transient error (a dependency down) retries the slice
 * until it goes through or the partition is taken away; any other error hands the messages to the
 * single-message path one at a time, so the one that cannot be processed is retried and dead-lettered
 * alone, and the others still go through.
 */
export async function deliverBatch<T>(ctx: Omit<DeliveryContext<T>, 'handler'> & { handler: BatchHandler<T> }, records: readonly ReceivedRecord[]): Promise<'committable' | 'aborted'> {
  const decoded: Array<{ record: ReceivedRecord; message: BusMessage<T> }> = [];
  for (const record of records) {
    const result = decode(ctx.spec, record.value);
    if (result.ok) decoded.push({ record, message: { topic: ctx.spec.name, ...record, value: result.value, attempt: 1 } });
    else await setAside(ctx, record, result.reason, result.message, 0);
  }
  if (decoded.length === 0) return 'committable';
  for (let attempt = 1; ; attempt++) {
    if (ctx.signal.aborted) return 'aborted';
    const stopTimer = ctx.metrics.handlerSeconds.startTimer({ topic: ctx.spec.name, group: ctx.groupId });
    const finished = ctx.metrics.inFlight.begin(ctx.spec.name, ctx.groupId);
    try {
      await inFlight(finished, () => ctx.handler(attempt === 1 ? decoded.map((d) => d.message) : decoded.map((d) => ({ ...d.message, attempt }))));
      stopTimer();
      ctx.metrics.consumed.inc({ topic: ctx.spec.name, group: ctx.groupId, outcome: 'ok' }, decoded.length);
      return 'committable';
    } catch (err) {
      stopTimer();
      const meaning = retryMeaningOf(err);
      if (meaning !== 'transient' || decoded.length === 1) {
        ctx.logger.warn({ err, topic: ctx.spec.name, group: ctx.groupId, partition: records[0]!.partition, size: decoded.length }, 'batch handler failed; working its messages one at a time');
        return oneAtATime(ctx, decoded.map((d) => d.record));
      }
      ctx.metrics.retries.inc({ topic: ctx.spec.name, group: ctx.groupId, meaning });
      const delay = backoffDelay(Math.min(attempt, 30), ctx.policy);
      ctx.logger.warn({ err, topic: ctx.spec.name, group: ctx.groupId, partition: records[0]!.partition, size: decoded.length, attempt, delay }, 'batch handler failed; retrying');
      if (!(await sleepWithHeartbeat(ctx, delay))) return 'aborted';
    }
  }
}

/** Runs a handler call, marking it finished however it ends (a handler may also throw before its first await). */
async function inFlight(finished: () => void, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } finally {
    finished();
  }
}

async function oneAtATime<T>(ctx: Omit<DeliveryContext<T>, 'handler'> & { handler: BatchHandler<T> }, records: readonly ReceivedRecord[]): Promise<'committable' | 'aborted'> {
  const single: DeliveryContext<T> = { ...ctx, handler: (message) => ctx.handler([message]) };
  for (const record of records) {
    if ((await deliver(single, record)) === 'aborted') return 'aborted';
  }
  return 'committable';
}

async function sleepWithHeartbeat<T>(ctx: Omit<DeliveryContext<T>, 'handler'>, delayMs: number): Promise<boolean> {
  // Heartbeat at least every second so a long backoff is not mistaken for a dead consumer.
  for (let left = delayMs; left > 0; left -= 1000) {
    if (!(await sleepUnlessAborted(Math.min(left, 1000), ctx.signal))) return false;
    await ctx.heartbeat?.().catch(() => undefined);
  }
  return !ctx.signal.aborted;
}

async function setAside<T>(ctx: Omit<DeliveryContext<T>, 'handler'>, record: ReceivedRecord, reason: DeadLetterReason, message: string, attempts: number): Promise<void> {
  ctx.metrics.deadLettered.inc({ topic: ctx.spec.name, reason });
  ctx.metrics.consumed.inc({ topic: ctx.spec.name, group: ctx.groupId, outcome: 'dead_lettered' });
  ctx.logger.warn({ topic: ctx.spec.name, partition: record.partition, offset: record.offset, reason, detail: message }, 'message dead-lettered');
  if (ctx.spec.name === topics.notifyDlq.name) return; // never dead-letter the dead letters: that would loop
  await ctx.deadLetter({
    version: 1,
    reason,
    message: message.slice(0, 4096),
    source: { topic: ctx.spec.name, partition: record.partition, offset: record.offset, key: record.key, groupId: ctx.groupId },
    originalBase64: record.value.toString('base64'),
    attempts,
    service: ctx.service,
    failedAt: new Date().toISOString(),
  });
}
