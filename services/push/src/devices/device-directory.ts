import type { Bus, PublishLane } from '@notify/bus';
import { topics, type DeviceChange } from '@notify/contracts';
import type { Device, DeviceRegistration, DeviceRepository } from '@notify/store';
import type { ActiveDevices, DeviceCache } from './device-cache';
import { deviceDeactivated, type DeadDevice } from './device-feedback';

/**
 * The one way the push service reads and changes devices. Reads come from this instance's cache;
 * every change is written to the store, drops this instance's entry at once, and is announced on
 * devices.changes so every other push instance drops its entry too. A device deactivated because its
 * token died is also reported to the product's backend on devices.feedback (`device.deactivated`).
 */
export class DeviceDirectory {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly cache: DeviceCache,
    private readonly bus: Bus,
    private readonly options: { now?: () => Date; onDeactivated?: (device: DeadDevice) => void } = {},
  ) {}

  /** The user's active devices (from memory when held). */
  listActive(userId: string): Promise<ActiveDevices> {
    return this.cache.get(userId);
  }

  /** Several users' active devices (every user asked is in the answer), those not held read with one query. */
  listActiveMany(userIds: readonly string[]): Promise<Map<string, ActiveDevices>> {
    return this.cache.getMany(userIds);
  }

  /** Registers (or updates) a token for a user; a token taken from another user changes that user too. */
  async register(input: DeviceRegistration): Promise<{ device: Device; previousUserId?: string }> {
    const result = await this.devices.register(input);
    const suffix = input.token.slice(-8);
    await this.announce([this.change(input.userId, 'registered', suffix), ...(result.previousUserId ? [this.change(result.previousUserId, 'moved_away', suffix)] : [])]);
    return result;
  }

  /** Removes a device; true when there was one to remove. */
  async unregister(device: Pick<Device, 'token' | 'userId'>): Promise<boolean> {
    const removed = await this.devices.unregister(device.token);
    // Announced even when another request removed it first: a notice too many costs one read.
    await this.announce([this.change(device.userId, 'unregistered', device.token.slice(-8))]);
    return removed;
  }

  /** The provider said these tokens are dead: never push to them again until they are registered again. */
  async deactivate(dead: ReadonlyArray<{ device: DeadDevice; reason: string }>, lane: PublishLane = 'default'): Promise<void> {
    if (dead.length === 0) return;
    await Promise.all(dead.map(({ device, reason }) => this.devices.deactivate(device.token, reason)));
    for (const { device } of dead) this.options.onDeactivated?.(device);
    const at = this.now();
    await Promise.all([
      this.announce(dead.map(({ device }) => this.change(device.userId, 'deactivated', device.token.slice(-8))), lane),
      this.bus.publish(topics.deviceFeedback, dead.map(({ device, reason }) => ({ value: deviceDeactivated(device, reason, at) })), { lane }),
    ]);
  }

  /** A change notice from devices.changes (any instance's, this one's included). */
  heard(change: DeviceChange): void {
    this.cache.invalidate(change.userId);
  }

  private change(userId: string, change: DeviceChange['change'], tokenSuffix: string): DeviceChange {
    return { version: 1, userId, change, tokenSuffix, at: this.now().toISOString() };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Drops this instance's entries first, so its next push reads the store even before its own notice comes back. */
  private async announce(changes: DeviceChange[], lane: PublishLane = 'default'): Promise<void> {
    for (const c of changes) this.cache.invalidate(c.userId);
    await this.bus.publish(topics.deviceChanges, changes.map((value) => ({ value })), { lane });
  }
}
