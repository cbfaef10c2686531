import type { Device } from '@notify/store';

/** A user's active devices as the cache hands them out: frozen, since every caller shares them. */
export type ActiveDevices = ReadonlyArray<Readonly<Device>>;

/** How a lookup was answered: from memory, by a read of its own, or by joining a read already under way. */
export type LookupResult = 'hit' | 'miss' | 'shared';

export interface DeviceCacheOptions {
  /** Reads one user's active devices from the store; called once per miss. */
  load: (userId: string) => Promise<Device[]>;
  /** Reads several users' active devices with one store read (users with none absent); `getMany` uses it for its misses. */
  loadMany?: (userIds: readonly string[]) => Promise<Map<string, Device[]>>;
  /** Most users held; past it the least recently used is dropped. 0 holds none (every lookup reads). */
  maxUsers: number;
  /**
   * How long an entry is used without a change notice. Notices keep entries current; this bounds how
   * stale one can get should a notice never arrive (written while this instance was starting up).
   */
  maxAgeMs: number;
  now?: () => number;
  onLookup?: (result: LookupResult) => void;
}

interface Entry {
  devices: ActiveDevices;
  /** When the read that filled it started: the entry is no newer than that. */
  readAt: number;
}

interface Read {
  result: Promise<ActiveDevices>;
  /** A change was heard while the read was under way: what it returns may predate it, so it is not kept. */
  overtaken: boolean;
}

/**
 * Each user's active devices, held in memory so a push does not read the store: bounded (least
 * recently used first out), with an age limit, and emptied per user by `invalidate` when that user's
 * devices change. Concurrent misses for one user share one read. A change heard while a read is under
 * way keeps that read's result out of the cache, so an entry never predates a change it was told of.
 */
export class DeviceCache {
  /** In recency order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly reads = new Map<string, Read>();
  private readonly now: () => number;

  constructor(private readonly options: DeviceCacheOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** The user's active devices, from memory when held and fresh, else read once. */
  get(userId: string): Promise<ActiveDevices> {
    const held = this.held(userId);
    if (held) return Promise.resolve(held);
    const underWay = this.reads.get(userId);
    if (underWay) {
      this.options.onLookup?.('shared');
      return underWay.result;
    }
    this.options.onLookup?.('miss');
    return this.read([userId], async ([one]) => new Map([[one!, await this.options.load(one!)]])).get(userId)!;
  }

  /**
   * Several users' active devices (every user asked is in the answer): those held from memory, those
   * being read from that read, and all the others with one store read (`loadMany`), so a slice of
   * users the instance has not seen costs one query, not one per user.
   */
  async getMany(userIds: readonly string[]): Promise<Map<string, ActiveDevices>> {
    const found = new Map<string, ActiveDevices>();
    const waiting: Array<Promise<void>> = [];
    const misses: string[] = [];
    for (const userId of userIds) {
      if (found.has(userId)) continue;
      const held = this.held(userId);
      if (held) {
        found.set(userId, held);
        continue;
      }
      const underWay = this.reads.get(userId);
      if (underWay) {
        this.options.onLookup?.('shared');
        waiting.push(underWay.result.then((devices) => void found.set(userId, devices)));
      } else if (!misses.includes(userId)) {
        this.options.onLookup?.('miss');
        misses.push(userId);
      }
    }
    if (misses.length > 0) {
      const loadEach = async (users: readonly string[]) => new Map(await Promise.all(users.map(async (u) => [u, await this.options.load(u)] as const)));
      for (const [userId, result] of this.read(misses, this.options.loadMany ?? loadEach)) waiting.push(result.then((devices) => void found.set(userId, devices)));
    }
    if (waiting.length > 0) await Promise.all(waiting);
    return found;
  }

  /** The user's devices changed: forget what is held, and keep no read that started before now. */
  invalidate(userId: string): void {
    this.entries.delete(userId);
    const underWay = this.reads.get(userId);
    if (underWay) {
      underWay.overtaken = true;
      // Later lookups start a read of their own rather than join one that may miss the change.
      this.reads.delete(userId);
    }
  }

  /** Users held (for the gauge). */
  get size(): number {
    return this.entries.size;
  }

  /** A held entry that is fresh enough, made the most recently used; a hit is counted. */
  private held(userId: string): ActiveDevices | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    this.entries.delete(userId);
    if (this.now() - entry.readAt >= this.options.maxAgeMs) return undefined;
    this.entries.set(userId, entry);
    this.options.onLookup?.('hit');
    return entry.devices;
  }

  /** One store read for these users, each with a read of its own that later lookups join. */
  private read(userIds: readonly string[], loadMany: (userIds: readonly string[]) => Promise<Map<string, Device[]>>): Map<string, Promise<ActiveDevices>> {
    const readAt = this.now();
    const loaded = loadMany(userIds);
    const results = new Map<string, Promise<ActiveDevices>>();
    for (const userId of userIds) {
      const read: Read = { result: Promise.resolve([]), overtaken: false };
      read.result = loaded
        .then((byUser) => {
          const devices: ActiveDevices = Object.freeze((byUser.get(userId) ?? []).map((d) => Object.freeze(d)));
          if (!read.overtaken) this.keep(userId, { devices, readAt });
          return devices;
        })
        .finally(() => {
          if (this.reads.get(userId) === read) this.reads.delete(userId);
        });
      this.reads.set(userId, read);
      results.set(userId, read.result);
    }
    return results;
  }

  private keep(userId: string, entry: Entry): void {
    if (this.options.maxUsers <= 0) return;
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    while (this.entries.size > this.options.maxUsers) this.entries.delete(this.entries.keys().next().value!);
  }
}
