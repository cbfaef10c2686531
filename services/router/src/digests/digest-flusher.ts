import type { Bus } from '@notify/bus';
import { topics, type DeliveryStatus } from '@notify/contracts';
import type { Logger } from '@notify/observability';
import type { DigestBucket, DigestRepository, IdempotencyRepository } from '@notify/store';
import { RateSlots, type RateCap } from '../usecases/rate-cap';
import { notificationIdOf } from '../usecases/plan-delivery';
import { digestNotification, type DigestTemplate } from './render-digest';

export interface DigestFlusherDeps {
  digests: DigestRepository;
  bus: Bus;
  /** The title/body templates of the rule a digest belongs to (looked up at send time: the rule may have changed). */
  templateFor: (digestKey: string) => DigestTemplate;
  logger: Logger;
  now?: () => Date;
  /** A rule's cap on pushes per user: each digest is one push. */
  rateCapFor?: (digestKey: string) => RateCap | undefined;
  idempotency?: IdempotencyRepository;
  /** A claimed bucket not marked sent after this long is taken to be a crashed router's, and sent again. */
  recoverAfterMs?: number;
}

/**
 * Sends digests whose window ended (or that are full). Every router instance runs one; the store's
 * `close` lets exactly one of them claim a bucket. A router killed between claiming and marking sent
 * leaves the bucket claimed: `recover` sends it again under the same notification id, which the push
 * stage deduplicates, so no digest is lost and none reaches the user twice.
 */
export class DigestFlusher {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  private readonly rateSlots: RateSlots | undefined;

  constructor(private readonly deps: DigestFlusherDeps) {
    this.rateSlots = deps.idempotency ? new RateSlots(deps.idempotency) : undefined;
  }

  start(tickMs: number): void {
    const tick = () => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    };
    this.timer = setInterval(tick, tickMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  async tick(): Promise<void> {
    try {
      await this.recover();
      await this.flushDue();
    } catch (err) {
      this.deps.logger.error({ err }, 'digest tick failed; retrying on the next tick');
    }
  }

  /** Sends every due bucket this instance manages to claim; how many it sent. */
  async flushDue(): Promise<number> {
    let sent = 0;
    for (const bucket of await this.deps.digests.due(this.now(), 100)) {
      if (await this.send(bucket.bucketId)) sent++;
    }
    return sent;
  }

  /** Claims and sends one bucket (a full bucket is sent at once); false when another router claimed it. */
  async send(bucketId: string): Promise<boolean> {
    const closed = await this.deps.digests.close(bucketId);
    if (!closed) return false;
    await this.deliver(closed);
    return true;
  }

  async recover(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - (this.deps.recoverAfterMs ?? 30_000));
    const orphans = await this.deps.digests.listClosedUnsent(100, cutoff);
    for (const bucket of orphans) {
      this.deps.logger.warn({ bucketId: bucket.bucketId, userId: bucket.userId }, 'sending a digest a stopped router had claimed');
      await this.deliver(bucket);
    }
    return orphans.length;
  }

  private async deliver(bucket: DigestBucket): Promise<void> {
    const now = this.now();
    const cap = this.deps.rateCapFor?.(bucket.digestKey);
    // A digest sent again after a crash finds the slot it took the first time.
    if (cap && this.rateSlots && !(await this.rateSlots.take([{ ruleKey: bucket.digestKey, userId: bucket.userId, holder: bucket.bucketId, cap, mayHoldOne: true }], now))[0]) {
      const statuses = bucket.items.map(
        (item): DeliveryStatus => ({ version: 1, eventId: item.eventId, ...(item.type ? { eventType: item.type } : {}), notificationId: notificationIdOf(item.eventId, bucket.userId), userId: bucket.userId, status: 'rate_capped', channel: 'push', reason: `at most ${cap.max} pushes per ${cap.per} for ${bucket.digestKey}`, service: 'router', at: now.toISOString() }),
      );
      await this.deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: 'bulk' });
      await this.deps.digests.markSent(bucket.bucketId);
      return;
    }
    const notification = digestNotification(bucket, this.deps.templateFor(bucket.digestKey), now);
    await this.deps.bus.publish(topics.deliverPushBulk, [{ value: notification }], { lane: 'bulk' });
    const statuses = bucket.items.map(
      (item): DeliveryStatus => ({ version: 1, eventId: item.eventId, ...(item.type ? { eventType: item.type } : {}), notificationId: notificationIdOf(item.eventId, bucket.userId), userId: bucket.userId, status: 'routed', channel: 'push', service: 'router', at: now.toISOString(), detail: { digest: notification.notificationId, items: bucket.items.length } }),
    );
    await this.deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: 'bulk' });
    await this.deps.digests.markSent(bucket.bucketId);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
