import type { Device } from '@notify/store';

/** A user's active devices as the cache hands them out: frozen, since every caller shares them. */
export type ActiveDevices = ReadonlyArray<Readonly<Device>>;

/** How a lookup was answered: from memory, by a read of its own, or by joining a read already under way. */
export type LookupResult = 'hit' | 'miss' | 'shared';

export interface DeviceCacheOptions {
  /** Reads one user's active devices from the store; called once per miss. */
  load: (userId: string) => Promise<Device[]>;
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
    const entry = this.entries.get(userId);
    if (entry) {
      this.entries.delete(userId);
      if (this.now() - entry.readAt < this.options.maxAgeMs) {
        this.entries.set(userId, entry);
        this.options.onLookup?.('hit');
        return Promise.resolve(entry.devices);
      }
    }
    const underWay = this.reads.get(userId);
    if (underWay) {
      this.options.onLookup?.('shared');
      return underWay.result;
    }
    this.options.onLookup?.('miss');
    return this.read(userId);
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

  private read(userId: string): Promise<ActiveDevices> {
    const readAt = this.now();
    const read: Read = { result: Promise.resolve([]), overtaken: false };
    read.result = this.options
      .load(userId)
      .then((loaded) => {
        const devices: ActiveDevices = Object.freeze(loaded.map((d) => Object.freeze(d)));
        if (!read.overtaken) this.keep(userId, { devices, readAt });
        return devices;
      })
      .finally(() => {
        if (this.reads.get(userId) === read) this.reads.delete(userId);
      });
    this.reads.set(userId, read);
    return read.result;
  }

  private keep(userId: string, entry: Entry): void {
    if (this.options.maxUsers <= 0) return;
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    while (this.entries.size > this.options.maxUsers) this.entries.delete(this.entries.keys().next().value!);
  }
}
