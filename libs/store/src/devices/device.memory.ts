import type { Device, DeviceRegistration, DeviceRepository } from './device.types';

export class MemoryDeviceRepository implements DeviceRepository {
  private readonly byToken = new Map<string, Device>();
  /** Each user's tokens, so a push's lookup does not scan every device. */
  private readonly tokensByUser = new Map<string, Set<string>>();

  async register(input: DeviceRegistration): Promise<{ device: Device; previousUserId?: string }> {
    const now = new Date();
    const existing = this.byToken.get(input.token);
    const device: Device = { ...existing, ...input, kind: input.kind ?? 'device', active: true, createdAt: existing?.createdAt ?? now, updatedAt: now };
    delete device.deactivatedReason;
    if (input.activityId === undefined) delete device.activityId;
    this.byToken.set(input.token, device);
    if (existing) this.forget(existing);
    this.tokensOf(input.userId).add(input.token);
    const previousUserId = existing && existing.userId !== input.userId ? existing.userId : undefined;
    return { device: { ...device }, ...(previousUserId ? { previousUserId } : {}) };
  }

  async unregister(token: string): Promise<boolean> {
    const existing = this.byToken.get(token);
    if (!existing) return false;
    this.forget(existing);
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
    const active: Device[] = [];
    for (const token of this.tokensByUser.get(userId) ?? []) {
      const device = this.byToken.get(token)!;
      if (device.active) active.push({ ...device });
    }
    return active;
  }

  async listActiveMany(userIds: readonly string[]): Promise<Map<string, Device[]>> {
    const byUser = new Map<string, Device[]>();
    for (const userId of new Set(userIds)) {
      const active = await this.listActive(userId);
      if (active.length > 0) byUser.set(userId, active);
    }
    return byUser;
  }

  async countActive(userId: string): Promise<number> {
    return (await this.listActive(userId)).length;
  }

  private tokensOf(userId: string): Set<string> {
    let tokens = this.tokensByUser.get(userId);
    if (!tokens) this.tokensByUser.set(userId, (tokens = new Set()));
    return tokens;
  }

  private forget(device: Device): void {
    const tokens = this.tokensByUser.get(device.userId);
    tokens?.delete(device.token);
    if (tokens?.size === 0) this.tokensByUser.delete(device.userId);
  }
}
