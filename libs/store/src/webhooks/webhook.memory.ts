import { decodeDeliveryCursor, encodeDeliveryCursor, isAfterCursor, type DeliveryCursor } from './webhook-cursor';
import type { WebhookAttempt, WebhookDelivery, WebhookDeliveryPage, WebhookDeliveryState, WebhookEndpoint, WebhookEndpointPatch, WebhookRepository } from './webhook.types';

export class MemoryWebhookRepository implements WebhookRepository {
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  private readonly deliveries = new Map<string, WebhookDelivery>();
  private readonly leases = new Map<string, { holder: string; until: Date }>();

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    if (this.endpoints.has(endpoint.id)) throw new Error(`webhook endpoint ${endpoint.id} exists`);
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const endpoint = this.endpoints.get(id);
    return endpoint ? structuredClone(endpoint) : null;
  }

  async listEndpoints(filter: { owner?: string } = {}): Promise<WebhookEndpoint[]> {
    return [...this.endpoints.values()]
      .filter((e) => filter.owner === undefined || e.owner === filter.owner)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map((e) => structuredClone(e));
  }

  async updateEndpoint(id: string, patch: WebhookEndpointPatch, now: Date): Promise<WebhookEndpoint | null> {
    const endpoint = this.endpoints.get(id);
    if (!endpoint) return null;
    const next: WebhookEndpoint = { ...endpoint, updatedAt: now };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete (next as unknown as Record<string, unknown>)[key];
      else (next as unknown as Record<string, unknown>)[key] = structuredClone(value);
    }
    this.endpoints.set(id, next);
    return structuredClone(next);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    if (!this.endpoints.delete(id)) return false;
    for (const [key, d] of this.deliveries) if (d.endpointId === id) this.deliveries.delete(key);
    return true;
  }

  async enqueue(deliveries: readonly WebhookDelivery[]): Promise<number> {
    let added = 0;
    for (const d of deliveries) {
      if (this.deliveries.has(d.id)) continue;
      this.deliveries.set(d.id, structuredClone(d));
      added++;
    }
    return added;
  }

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const d = this.deliveries.get(id);
    return d ? structuredClone(d) : null;
  }

  async getDeliveries(ids: readonly string[]): Promise<WebhookDelivery[]> {
    return ids.flatMap((id) => {
      const d = this.deliveries.get(id);
      return d ? [structuredClone(d)] : [];
    });
  }

  async pending(endpointId: string, limit: number, afterSeq?: string): Promise<WebhookDelivery[]> {
    return [...this.deliveries.values()]
      .filter((d) => d.endpointId === endpointId && d.state === 'pending' && (afterSeq === undefined || d.seq > afterSeq))
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      .slice(0, limit)
      .map((d) => structuredClone(d));
  }

  async listDeliveries(endpointId: string, options: { state?: WebhookDeliveryState; after?: string; limit: number }): Promise<WebhookDeliveryPage> {
    const cursor: DeliveryCursor | undefined = options.after === undefined ? undefined : decodeDeliveryCursor(options.after);
    const matching = [...this.deliveries.values()]
      .filter((d) => d.endpointId === endpointId && (options.state === undefined || d.state === options.state) && (!cursor || isAfterCursor(d, cursor)))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = matching.slice(0, options.limit).map((d) => structuredClone(d));
    const last = page.at(-1);
    return { deliveries: page, ...(matching.length > options.limit && last ? { next: encodeDeliveryCursor(last) } : {}) };
  }

  async recordAttempts(attempts: readonly WebhookAttempt[]): Promise<void> {
    for (const { ids, result } of attempts) {
      for (const id of ids) {
        const d = this.deliveries.get(id);
        if (d) this.deliveries.set(id, { ...d, ...structuredClone(result) });
      }
    }
  }

  async assignBatch(ids: readonly string[], batchId: string): Promise<void> {
    for (const id of ids) {
      const d = this.deliveries.get(id);
      if (d) d.batchId = batchId;
    }
  }

  async requeue(id: string, now: Date): Promise<boolean> {
    const d = this.deliveries.get(id);
    if (!d || d.state !== 'failed') return false;
    const { finishedAt: _finished, batchId: _batch, ...rest } = d;
    this.deliveries.set(id, { ...rest, state: 'pending', attempts: 0, nextAttemptAt: now, retryFrom: now });
    return true;
  }

  async backlog(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const d of this.deliveries.values()) if (d.state === 'pending') counts.set(d.endpointId, (counts.get(d.endpointId) ?? 0) + 1);
    return counts;
  }

  async lease(keys: readonly string[], holder: string, now: Date, until: Date): Promise<Set<string>> {
    const leased = new Set<string>();
    for (const key of keys) {
      const current = this.leases.get(key);
      if (current && current.until > now && current.holder !== holder) continue;
      this.leases.set(key, { holder, until });
      leased.add(key);
    }
    return leased;
  }

  async release(leases: ReadonlyArray<{ key: string; until: Date }>, holder: string): Promise<void> {
    for (const { key, until } of leases) {
      const current = this.leases.get(key);
      if (current?.holder === holder && current.until.getTime() === until.getTime()) this.leases.delete(key);
    }
  }

  async sweepDeliveredBefore(cutoff: Date): Promise<number> {
    let removed = 0;
    for (const [id, d] of this.deliveries) if (d.state === 'delivered' && d.finishedAt && d.finishedAt < cutoff && this.deliveries.delete(id)) removed++;
    return removed;
  }
}
