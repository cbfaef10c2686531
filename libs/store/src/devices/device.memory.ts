import type { Device, DeviceRegistration, DeviceRepository } from './device.types';

export class MemoryDeviceRepository implements DeviceRepository {
  private readonly byToken = new Map<string, Device>();

  async register(input: DeviceRegistration): Promise<{ device: Device; previousUserId?: string }> {
    const now = new Date();
    const existing = this.byToken.get(input.token);
    const device: Device = { ...existing, ...input, kind: input.kind ?? 'device', active: true, createdAt: existing?.createdAt ?? now, updatedAt: now };
    delete device.deactivatedReason;
    if (input.activityId === undefined) delete device.activityId;
    this.byToken.set(input.token, device);
    const previousUserId = existing && existing.userId !== input.userId ? existing.userId : undefined;
    return { device: { ...device }, ...(previousUserId ? { previousUserId } : {}) };
  }

  async unregister(token: string): Promise<boolean> {
    return this.byToken.delete(token);
  }

  async deactivate(token: string, reason: string): Promise<void> {
    const device = this.byToken.get(token);
    if (device) this.byToken.set(token, { ...device, active: false, deactivatedReason: reason, updatedAt: new Date() });
  }

  async findByToken(token: string): Promise<Device | null> {
    const device = this.byToken.get(token);
    return device ? { ...device } : null;
  }

  async listActive(userId: string): Promise<Device[]> {
    return [...this.byToken.values()].filter((d) => d.userId === userId && d.active).map((d) => ({ ...d }));
  }

  async countActive(userId: string): Promise<number> {
    return (await this.listActive(userId)).length;
  }
}
