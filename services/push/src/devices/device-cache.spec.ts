import { describe, expect, it } from 'vitest';
import type { Device } from '@notify/store';
import { DeviceCache, type DeviceCacheOptions, type LookupResult } from './device-cache';

const device = (userId: string, token: string): Device => ({ token, userId, platform: 'android', appId: 'com.example.app', environment: 'production', active: true, createdAt: new Date(0), updatedAt: new Date(0) });

/** A store stand-in whose reads the test releases one at a time, to hold a read in flight. */
class HeldStore {
  devices = new Map<string, Device[]>();
  reads: string[] = [];
  private pending: Array<{ userId: string; snapshot: Device[]; release: () => void }> = [];
  hold = false;

  load = (userId: string): Promise<Device[]> => {
    this.reads.push(userId);
    // The answer is what the store held when the read ran, as a database read would be.
    const snapshot = [...(this.devices.get(userId) ?? [])].map((d) => ({ ...d }));
    if (!this.hold) return Promise.resolve(snapshot);
    return new Promise((resolve) => this.pending.push({ userId, snapshot, release: () => resolve(snapshot) }));
  };

  releaseAll(): void {
    for (const p of this.pending.splice(0)) p.release();
  }
}

function cacheOver(store: HeldStore, options: Partial<DeviceCacheOptions> = {}) {
  const lookups: LookupResult[] = [];
  const cache = new DeviceCache({ load: store.load, maxUsers: 100, maxAgeMs: 60_000, onLookup: (r) => lookups.push(r), ...options });
  return { cache, lookups };
}

describe('DeviceCache', () => {
  it('reads a user once and answers later lookups from memory', async () => {
    const store = new HeldStore();
    store.devices.set('alice', [device('alice', 'tok-a')]);
    const { cache, lookups } = cacheOver(store);
    expect((await cache.get('alice')).map((d) => d.token)).toEqual(['tok-a']);
    expect((await cache.get('alice')).map((d) => d.token)).toEqual(['tok-a']);
    expect(store.reads).toEqual(['alice']);
    expect(lookups).toEqual(['miss', 'hit']);
    expect(cache.size).toBe(1);
  });

  it('reads the users it does not hold with one read, answers the held ones from memory, and joins a read under way', async () => {
    const store = new HeldStore();
    store.devices.set('alice', [device('alice', 'tok-a')]);
    store.devices.set('bob', [device('bob', 'tok-b')]);
    store.devices.set('carol', [device('carol', 'tok-c')]);
    const manyReads: string[][] = [];
    const loadMany = async (userIds: readonly string[]) => {
      manyReads.push([...userIds]);
      return new Map(userIds.filter((u) => store.devices.has(u)).map((u) => [u, store.devices.get(u)!.map((d) => ({ ...d }))]));
    };
    const { cache, lookups } = cacheOver(store, { loadMany });
    await cache.get('alice');
    store.hold = true;
    const carol = cache.get('carol');
    const many = cache.getMany(['alice', 'bob', 'carol', 'dave', 'bob']);
    store.releaseAll();
    await carol;
    const found = await many;
    expect(Object.fromEntries([...found].map(([u, devices]) => [u, devices.map((d) => d.token)]))).toEqual({ alice: ['tok-a'], bob: ['tok-b'], carol: ['tok-c'], dave: [] });
    expect(manyReads).toEqual([['bob', 'dave']]);
    expect(store.reads).toEqual(['alice', 'carol']);
    expect(lookups).toEqual(['miss', 'miss', 'hit', 'miss', 'shared', 'miss']);
    // Both are held now: the next slice reads nothing.
    await cache.getMany(['bob', 'dave']);
    expect(manyReads).toHaveLength(1);
  });

  it('keeps a batch read that a change overtook out of memory', async () => {
    const store = new HeldStore();
    store.devices.set('erin', [device('erin', 'tok-old')]);
    let release: () => void = () => {};
    const loadMany = (userIds: readonly string[]) => {
      const snapshot = new Map(userIds.map((u) => [u, [...(store.devices.get(u) ?? [])]]));
      return new Promise<Map<string, Device[]>>((resolve) => (release = () => resolve(snapshot)));
    };
    const { cache } = cacheOver(store, { loadMany });
    const stale = cache.getMany(['erin']);
    store.devices.set('erin', [device('erin', 'tok-new')]);
    cache.invalidate('erin');
    release();
    expect((await stale).get('erin')!.map((d) => d.token)).toEqual(['tok-old']);
    expect((await cache.get('erin')).map((d) => d.token)).toEqual(['tok-new']);
  });

  it('holds a user with no device too, so a user without devices costs one read', async () => {
    const store = new HeldStore();
    const { cache } = cacheOver(store);
    expect(await cache.get('nobody')).toEqual([]);
    expect(await cache.get('nobody')).toEqual([]);
    expect(store.reads).toEqual(['nobody']);
  });

  it('lets concurrent misses for one user share one read', async () => {
    const store = new HeldStore();
    store.devices.set('bob', [device('bob', 'tok-b')]);
    store.hold = true;
    const { cache, lookups } = cacheOver(store);
    const answers = Promise.all([cache.get('bob'), cache.get('bob'), cache.get('bob')]);
    store.releaseAll();
    const [first, second, third] = await answers;
    expect(store.reads).toEqual(['bob']);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(lookups).toEqual(['miss', 'shared', 'shared']);
  });

  it('re-reads a user after a change notice', async () => {
    const store = new HeldStore();
    store.devices.set('carol', [device('carol', 'tok-old')]);
    const { cache } = cacheOver(store);
    await cache.get('carol');
    store.devices.set('carol', [device('carol', 'tok-new')]);
    cache.invalidate('carol');
    expect((await cache.get('carol')).map((d) => d.token)).toEqual(['tok-new']);
    expect(store.reads).toEqual(['carol', 'carol']);
  });

  it('keeps no entry from a read that a change notice overtook', async () => {
    const store = new HeldStore();
    store.devices.set('dave', [device('dave', 'tok-phone')]);
    store.hold = true;
    const { cache } = cacheOver(store);
    // The read runs against the store before the device is unregistered ...
    const inFlight = cache.get('dave');
    // ... then the device goes, and the notice arrives before the read returns.
    store.devices.set('dave', []);
    cache.invalidate('dave');
    store.releaseAll();
    expect((await inFlight).map((d) => d.token)).toEqual(['tok-phone']);
    expect(cache.size).toBe(0);
    store.hold = false;
    expect(await cache.get('dave')).toEqual([]);
    expect(store.reads).toEqual(['dave', 'dave']);
  });

  it('does not let a lookup after a change notice join the read the notice overtook', async () => {
    const store = new HeldStore();
    store.devices.set('erin', [device('erin', 'tok-1')]);
    store.hold = true;
    const { cache, lookups } = cacheOver(store);
    const before = cache.get('erin');
    store.devices.set('erin', [device('erin', 'tok-1'), device('erin', 'tok-2')]);
    cache.invalidate('erin');
    const after = cache.get('erin');
    store.releaseAll();
    expect((await before).map((d) => d.token)).toEqual(['tok-1']);
    expect((await after).map((d) => d.token)).toEqual(['tok-1', 'tok-2']);
    expect(lookups).toEqual(['miss', 'miss']);
    // The later read is the one kept.
    expect((await cache.get('erin')).map((d) => d.token)).toEqual(['tok-1', 'tok-2']);
    expect(store.reads).toEqual(['erin', 'erin']);
  });

  it('holds at most maxUsers users, dropping the least recently used', async () => {
    const store = new HeldStore();
    const { cache } = cacheOver(store, { maxUsers: 2 });
    await cache.get('u1');
    await cache.get('u2');
    await cache.get('u1'); // u1 is now the most recently used
    await cache.get('u3'); // so u2 goes
    expect(cache.size).toBe(2);
    store.reads = [];
    await cache.get('u1');
    await cache.get('u3');
    expect(store.reads).toEqual([]);
    await cache.get('u2');
    expect(store.reads).toEqual(['u2']);
    expect(cache.size).toBe(2);
  });

  it('holds nothing with maxUsers 0, every lookup reading the store', async () => {
    const store = new HeldStore();
    const { cache } = cacheOver(store, { maxUsers: 0 });
    await cache.get('u1');
    await cache.get('u1');
    expect(store.reads).toEqual(['u1', 'u1']);
    expect(cache.size).toBe(0);
  });

  it('reads again once an entry is older than maxAgeMs', async () => {
    const store = new HeldStore();
    let now = 1000;
    const { cache, lookups } = cacheOver(store, { maxAgeMs: 500, now: () => now });
    await cache.get('frank');
    now += 499;
    await cache.get('frank');
    now += 1;
    await cache.get('frank');
    expect(lookups).toEqual(['miss', 'hit', 'miss']);
    expect(store.reads).toEqual(['frank', 'frank']);
  });

  it('keeps nothing when a read fails, and tries again on the next lookup', async () => {
    let fail = true;
    const cache = new DeviceCache({ load: async (userId) => (fail ? Promise.reject(new Error('store down')) : [device(userId, 'tok-g')]), maxUsers: 10, maxAgeMs: 60_000 });
    await expect(Promise.all([cache.get('gina'), cache.get('gina')])).rejects.toThrow('store down');
    expect(cache.size).toBe(0);
    fail = false;
    expect((await cache.get('gina')).map((d) => d.token)).toEqual(['tok-g']);
  });

  it('hands out frozen devices, so one caller cannot change another’s', async () => {
    const store = new HeldStore();
    store.devices.set('hal', [device('hal', 'tok-h')]);
    const { cache } = cacheOver(store);
    const devices = await cache.get('hal');
    expect(Object.isFrozen(devices)).toBe(true);
    expect(Object.isFrozen(devices[0])).toBe(true);
  });
});
