import { Schema, type Connection, type Model } from 'mongoose';
import { deleteInChunks } from '../mongo-sweeps';
import { insertOnce, insertReportingTaken } from '../mongo-writes';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './webhook-cursor';
import type { WebhookAttempt, WebhookAttemptResult, WebhookDelivery, WebhookDeliveryPage, WebhookDeliveryState, WebhookEndpoint, WebhookEndpointPatch, WebhookRepository } from './webhook.types';

type EndpointDoc = Omit<WebhookEndpoint, 'id'> & { _id: string };
type DeliveryDoc = Omit<WebhookDelivery, 'id'> & { _id: string };
interface LeaseDoc {
  /** The delivery or batch id: the insert is the claim. */
  _id: string;
  holder: string;
  until: Date;
}

const endpointSchema = new Schema<EndpointDoc>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    ownerRole: { type: String, required: true },
    url: { type: String, required: true },
    description: String,
    statuses: { type: [String], default: [] },
    eventTypes: { type: [String], default: [] },
    secret: { type: String, required: true },
    previousSecret: String,
    previousSecretUntil: Date,
    batch: { type: { maxSize: Number, maxWaitMs: Number }, required: false, _id: false },
    disabled: { type: Boolean, required: true },
    disabledReason: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'webhook_endpoints', versionKey: false },
);
endpointSchema.index({ owner: 1 });

const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: { type: String, required: true },
    endpointId: { type: String, required: true },
    chain: { type: String, required: true },
    seq: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    state: { type: String, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    retryFrom: { type: Date, required: true },
    finishedAt: Date,
    lastError: String,
    lastStatusCode: Number,
    batchId: String,
  },
  { collection: 'webhook_deliveries', versionKey: false, minimize: false },
);
deliverySchema.index({ endpointId: 1, state: 1, seq: 1 });
deliverySchema.index({ endpointId: 1, createdAt: -1, _id: -1 });
deliverySchema.index({ state: 1, finishedAt: 1 });

const leaseSchema = new Schema<LeaseDoc>(
  { _id: { type: String, required: true }, holder: { type: String, required: true }, until: { type: Date, required: true } },
  { collection: 'webhook_leases', versionKey: false },
);

export class MongoWebhookRepository implements WebhookRepository {
  readonly endpoints: Model<EndpointDoc>;
  readonly deliveries: Model<DeliveryDoc>;
  readonly leases: Model<LeaseDoc>;
  constructor(connection: Connection) {
    this.endpoints = connection.model<EndpointDoc>('WebhookEndpoint', endpointSchema);
    this.deliveries = connection.model<DeliveryDoc>('WebhookDelivery', deliverySchema);
    this.leases = connection.model<LeaseDoc>('WebhookLease', leaseSchema);
  }

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    const { id, ...rest } = endpoint;
    if (!(await insertOnce(this.endpoints, { _id: id, ...rest }))) throw new Error(`webhook endpoint ${id} exists`);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const doc = await this.endpoints.findById(id).lean().exec();
    return doc ? endpointOf(doc) : null;
  }

  async listEndpoints(filter: { owner?: string } = {}): Promise<WebhookEndpoint[]> {
    const docs = await this.endpoints.find(filter.owner === undefined ? {} : { owner: filter.owner }).sort({ createdAt: 1, _id: 1 }).lean().exec();
    return docs.map(endpointOf);
  }

  async updateEndpoint(id: string, patch: WebhookEndpointPatch, now: Date): Promise<WebhookEndpoint | null> {
    const $set: Record<string, unknown> = { updatedAt: now };
    const $unset: Record<string, ''> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) $unset[key] = '';
      else $set[key] = value;
    }
    const doc = await this.endpoints.findOneAndUpdate({ _id: id }, { $set, ...(Object.keys($unset).length > 0 ? { $unset } : {}) }, { returnDocument: 'after' }).lean().exec();
    return doc ? endpointOf(doc) : null;
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const removed = (await this.endpoints.deleteOne({ _id: id }).exec()).deletedCount === 1;
    if (removed) await deleteInChunks(this.deliveries, { endpointId: id });
    return removed;
  }

  async enqueue(deliveries: readonly WebhookDelivery[]): Promise<number> {
    const taken = await insertReportingTaken(this.deliveries, deliveries.map(docOf));
    return deliveries.length - taken.size;
  }

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const doc = await this.deliveries.findById(id).lean().exec();
    return doc ? deliveryOf(doc) : null;
  }

  async getDeliveries(ids: readonly string[]): Promise<WebhookDelivery[]> {
    if (ids.length === 0) return [];
    const docs = await this.deliveries.find({ _id: { $in: [...ids] } }).lean().exec();
    return docs.map(deliveryOf);
  }

  async pending(endpointId: string, limit: number, afterSeq?: string): Promise<WebhookDelivery[]> {
    const filter: Record<string, unknown> = { endpointId, state: 'pending' };
    if (afterSeq !== undefined) filter['seq'] = { $gt: afterSeq };
    const docs = await this.deliveries.find(filter).sort({ seq: 1 }).limit(limit).lean().exec();
    return docs.map(deliveryOf);
  }

  async listDeliveries(endpointId: string, options: { state?: WebhookDeliveryState; after?: string; limit: number }): Promise<WebhookDeliveryPage> {
    const filter: Record<string, unknown> = { endpointId };
    if (options.state !== undefined) filter['state'] = options.state;
    if (options.after !== undefined) {
      const cursor = decodeDeliveryCursor(options.after);
      const at = new Date(cursor.at);
      filter['$or'] = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: cursor.id } }];
    }
    const docs = await this.deliveries.find(filter).sort({ createdAt: -1, _id: -1 }).limit(options.limit + 1).lean().exec();
    const page = docs.slice(0, options.limit).map(deliveryOf);
    const last = page.at(-1);
    return { deliveries: page, ...(docs.length > options.limit && last ? { next: encodeDeliveryCursor(last) } : {}) };
  }

  async recordAttempts(attempts: readonly WebhookAttempt[]): Promise<void> {
    const writes = attempts.filter((a) => a.ids.length > 0).map(({ ids, result }) => ({ updateMany: { filter: { _id: { $in: [...ids] } }, update: attemptUpdate(result) } }));
    if (writes.length > 0) await this.deliveries.bulkWrite(writes, { ordered: false });
  }

  async assignBatch(ids: readonly string[], batchId: string): Promise<void> {
    if (ids.length > 0) await this.deliveries.updateMany({ _id: { $in: [...ids] } }, { $set: { batchId } }).exec();
  }

  async requeue(id: string, now: Date): Promise<boolean> {
    const result = await this.deliveries
      .updateOne({ _id: id, state: 'failed' }, { $set: { state: 'pending', attempts: 0, nextAttemptAt: now, retryFrom: now }, $unset: { finishedAt: '', batchId: '' } })
      .exec();
    return result.modifiedCount === 1;
  }

  async backlog(): Promise<Map<string, number>> {
    const groups = await this.deliveries.aggregate<{ _id: string; count: number }>([{ $match: { state: 'pending' } }, { $group: { _id: '$endpointId', count: { $sum: 1 } } }]).exec();
    return new Map(groups.map((g) => [g._id, g.count]));
  }

  async lease(keys: readonly string[], holder: string, now: Date, until: Date): Promise<Set<string>> {
    // An insert is the claim (first one wins): the keys nobody holds are taken in one write. The others
    // are looked at one by one (renewed when this holder has them, taken over when expired).
    const taken = await insertReportingTaken(this.leases, keys.map((_id) => ({ _id, holder, until })));
    const leased = new Set(keys.filter((_, i) => !taken.has(i)));
    const held = await Promise.all(keys.filter((_, i) => taken.has(i)).map(async (key) => ((await this.leaseHeld(key, holder, now, until)) ? key : undefined)));
    for (const key of held) if (key !== undefined) leased.add(key);
    return leased;
  }

  /**
   * A key whose insert found a lease: an expired one is deleted by its exact value, so of two instances
   * taking it over only one deletes it, and only one of their inserts wins.
   */
  private async leaseHeld(key: string, holder: string, now: Date, until: Date): Promise<boolean> {
    for (let round = 0; round < 2; round++) {
      const current = await this.leases.findById(key).lean().exec();
      if (current) {
        if (current.holder === holder) {
          // Renewed only if it is still there: this holder's own release of it may have gone first.
          if ((await this.leases.updateOne({ _id: key, holder }, { $set: { until } }).exec()).matchedCount === 1) return true;
          continue;
        }
        if (current.until > now) return false;
        await this.leases.deleteOne({ _id: key, holder: current.holder, until: current.until }).exec();
      }
      if (await insertOnce(this.leases, { _id: key, holder, until })) return true;
    }
    return false;
  }

  async release(leases: ReadonlyArray<{ key: string; until: Date }>, holder: string): Promise<void> {
    if (leases.length > 0) await this.leases.bulkWrite(leases.map(({ key, until }) => ({ deleteOne: { filter: { _id: key, holder, until } } })), { ordered: false });
  }

  async sweepDeliveredBefore(cutoff: Date): Promise<number> {
    return deleteInChunks(this.deliveries, { state: 'delivered', finishedAt: { $lt: cutoff } });
  }
}

/** An attempt's outcome as an update: an `undefined` field is removed. */
function attemptUpdate(result: WebhookAttemptResult): Record<string, unknown> {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) $unset[key] = '';
    else $set[key] = value;
  }
  return { $set, ...(Object.keys($unset).length > 0 ? { $unset } : {}) };
}

function endpointOf({ _id, ...rest }: EndpointDoc): WebhookEndpoint {
  const endpoint = { id: _id, ...rest } as WebhookEndpoint;
  for (const key of Object.keys(endpoint) as Array<keyof WebhookEndpoint>) if (endpoint[key] === null) delete endpoint[key];
  return endpoint;
}

function docOf({ id, ...rest }: WebhookDelivery): DeliveryDoc {
  return { _id: id, ...rest };
}

function deliveryOf({ _id, ...rest }: DeliveryDoc): WebhookDelivery {
  return { id: _id, ...rest };
}
