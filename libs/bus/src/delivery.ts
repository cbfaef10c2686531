import { decode, topics, type DeadLetter, type DeadLetterReason, type TopicSpec } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import { retryMeaningOf } from './errors';
import type { BusMetrics } from './metrics';
import { backoffDelay, sleepUnlessAborted } from './retry';
import type { Handler, RetryPolicy } from './types';

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
    try {
      await ctx.handler({ topic: ctx.spec.name, ...record, value: decoded.value, attempt });
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

async function sleepWithHeartbeat<T>(ctx: DeliveryContext<T>, delayMs: number): Promise<boolean> {
  // Heartbeat at least every second so a long backoff is not mistaken for a dead consumer.
  for (let left = delayMs; left > 0; left -= 1000) {
    if (!(await sleepUnlessAborted(Math.min(left, 1000), ctx.signal))) return false;
    await ctx.heartbeat?.().catch(() => undefined);
  }
  return !ctx.signal.aborted;
}

async function setAside<T>(ctx: DeliveryContext<T>, record: ReceivedRecord, reason: DeadLetterReason, message: string, attempts: number): Promise<void> {
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
