import { randomUUID } from 'node:crypto';
import type { AddToDigest, DigestBucket, DigestRepository, DigestsWaiting } from './digest.types';

export class MemoryDigestRepository implements DigestRepository {
  private readonly buckets = new Map<string, DigestBucket>();

  async add(input: AddToDigest): Promise<{ bucket: DigestBucket; added: boolean; full: boolean }> {
    const mine = [...this.buckets.values()].filter((b) => b.userId === input.userId && b.digestKey === input.digestKey);
    const holding = mine.find((b) => b.items.some((i) => i.eventId === input.item.eventId));
    if (holding) return { bucket: structuredClone(holding), added: false, full: holding.items.length >= holding.maxItems };
    let open = mine.find((b) => b.status === 'open');
    if (!open) {
      open = { bucketId: randomUUID(), userId: input.userId, digestKey: input.digestKey, status: 'open', items: [], openedAt: new Date(), flushAt: input.flushAt, maxItems: input.maxItems };
      this.buckets.set(open.bucketId, open);
    }
    open.items.push(structuredClone(input.item));
    open.items.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    return { bucket: structuredClone(open), added: true, full: open.items.length >= open.maxItems };
  }

  async due(now: Date, limit: number): Promise<DigestBucket[]> {
    return [...this.buckets.values()]
      .filter((b) => b.status === 'open' && (b.flushAt <= now || b.items.length >= b.maxItems))
      .sort((a, b) => a.flushAt.getTime() - b.flushAt.getTime())
      .slice(0, limit)
      .map((b) => structuredClone(b));
  }

  async close(bucketId: string): Promise<DigestBucket | null> {
    const bucket = this.buckets.get(bucketId);
    if (!bucket || bucket.status !== 'open') return null;
    bucket.status = 'closed';
    bucket.closedAt = new Date();
    return structuredClone(bucket);
  }

  async markSent(bucketId: string): Promise<void> {
    const bucket = this.buckets.get(bucketId);
    if (bucket && bucket.status === 'closed') {
      bucket.status = 'sent';
      bucket.sentAt = new Date();
    }
  }

  async listClosedUnsent(limit: number, closedBefore?: Date): Promise<DigestBucket[]> {
    return [...this.buckets.values()]
      .filter((b) => b.status === 'closed' && (!closedBefore || b.closedAt! < closedBefore))
      .sort((a, b) => a.closedAt!.getTime() - b.closedAt!.getTime())
      .slice(0, limit)
      .map((b) => structuredClone(b));
  }

  async sweepSentBefore(cutoff: Date): Promise<number> {
    let removed = 0;
    for (const [id, bucket] of this.buckets) {
      if (bucket.status === 'sent' && bucket.sentAt! < cutoff) {
        this.buckets.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async waiting(): Promise<DigestsWaiting> {
    const open = [...this.buckets.values()].filter((b) => b.status === 'open');
    const flushes = open.map((b) => b.flushAt.getTime());
    return { open: open.length, full: open.filter((b) => b.items.length >= b.maxItems).length, nextFlushAt: flushes.length ? new Date(Math.min(...flushes)) : null };
  }
}
