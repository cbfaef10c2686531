import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../mongo-writes';
import type { Device, DeviceRegistration, DeviceRepository } from './device.types';

const deviceSchema = new Schema<Device>(
  {
    token: { type: String, required: true },
    userId: { type: String, required: true },
    platform: { type: String, required: true, enum: ['ios', 'android', 'web'] },
    appId: { type: String, required: true },
    environment: { type: String, required: true, enum: ['sandbox', 'production'] },
    kind: { type: String, enum: ['device', 'liveactivity'] },
    activityId: String,
    locale: String,
    timeZone: String,
    active: { type: Boolean, required: true },
    deactivatedReason: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'devices', versionKey: false },
);
deviceSchema.index({ token: 1 }, { unique: true });
deviceSchema.index({ userId: 1, active: 1 });

/**
 * A device document has several writers (the app registering, the push service deactivating a dead
 * token). On servers that apply updates as whole-document writes, the later of two racing writes
 * wins; both outcomes are valid (the token is live or dead), and the next registration settles it.
 */
export class MongoDeviceRepository implements DeviceRepository {
  readonly model: Model<Device>;
  constructor(connection: Connection) {
    this.model = connection.model<Device>('Device', deviceSchema);
  }

  async register(input: DeviceRegistration): Promise<{ device: Device; previousUserId?: string }> {
    const now = new Date();
    const update = {
      $set: { ...input, kind: input.kind ?? 'device', active: true, updatedAt: now },
      $unset: { deactivatedReason: 1, ...(input.activityId === undefined ? { activityId: 1 } : {}) },
      $setOnInsert: { createdAt: now },
    };
    let before: Device | null;
    try {
      before = await this.model.findOneAndUpdate({ token: input.token }, update, { upsert: true, returnDocument: 'before', lean: true }).exec();
    } catch (err) {
      // Two first registrations of one token raced and the unique index let the other insert: update it.
      if (!isDuplicateKey(err)) throw err;
      before = await this.model.findOneAndUpdate({ token: input.token }, update, { returnDocument: 'before', lean: true }).exec();
    }
    const device = (await this.findByToken(input.token))!;
    const previousUserId = before && before.userId !== input.userId ? before.userId : undefined;
    return { device, ...(previousUserId ? { previousUserId } : {}) };
  }

  async unregister(token: string): Promise<boolean> {
    return (await this.model.deleteOne({ token }).exec()).deletedCount === 1;
  }

  async deactivate(token: string, reason: string): Promise<void> {
    await this.model.updateOne({ token }, { $set: { active: false, deactivatedReason: reason, updatedAt: new Date() } }).exec();
  }

  async findByToken(token: string): Promise<Device | null> {
    return toDevice(await this.model.findOne({ token }).lean().exec());
  }

  async listActive(userId: string): Promise<Device[]> {
    const docs = await this.model.find({ userId, active: true }).sort({ createdAt: 1 }).lean().exec();
    return docs.map((d) => toDevice(d)!);
  }

  async listActiveMany(userIds: readonly string[]): Promise<Map<string, Device[]>> {
    const byUser = new Map<string, Device[]>();
    if (userIds.length === 0) return byUser;
    const docs = await this.model.find({ userId: { $in: [...new Set(userIds)] }, active: true }).sort({ createdAt: 1 }).lean().exec();
    for (const doc of docs) {
      const device = toDevice(doc)!;
      const own = byUser.get(device.userId);
      if (own) own.push(device);
      else byUser.set(device.userId, [device]);
    }
    return byUser;
  }

  async countActive(userId: string): Promise<number> {
    return this.model.countDocuments({ userId, active: true }).exec();
  }
}

function toDevice(doc: (Device & { _id?: unknown }) | null): Device | null {
  if (!doc) return null;
  const { _id, ...device } = doc;
  return { ...device, kind: device.kind ?? 'device' };
}
