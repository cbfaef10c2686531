import type { PresenceConnection, PresenceEvent, PresenceState } from '@notify/contracts';

/** The schema's limit on connections per user: beyond it the oldest socket is forgotten. */
export const MAX_CONNECTIONS_PER_USER = 64;
/** Socket ids remembered per user as closed, so a late or stale record cannot bring them back. */
const CLOSED_REMEMBERED = 64;
/** Gateways remembered as dropped, so a stale record cannot bring their sockets back. */
const DROPPED_GATEWAYS_REMEMBERED = 1024;
/** Reported for a user presence has never heard of. */
export const NEVER_SEEN = new Date(0).toISOString();

type SocketConnected = Extract<PresenceEvent, { kind: 'socket_connected' }>;
type SocketDisconnected = Extract<PresenceEvent, { kind: 'socket_disconnected' }>;

/** What an operation did: the users whose published state must change, and sockets forgotten to stay under the cap. */
export interface TableChange {
  changed: string[];
  evicted: PresenceConnection[];
}

interface UserEntry {
  /** Insertion order is connect order: the first entry is the oldest socket. */
  connections: Map<string, PresenceConnection>;
  /** Socket ids closed here (disconnected, evicted or dropped with their gateway), newest last. */
  closed: string[];
  since: string | undefined;
  lastSeen: string;
  /** Set once this instance processed an event for the user; its state then outranks older records. */
  local: boolean;
  /** The latest event time processed here, no-ops included. */
  lastEventMs: number;
}

const NO_CHANGE: TableChange = Object.freeze({ changed: [], evicted: [] }) as TableChange;

/**
 * Who is online, on which gateways, as a pure in-memory table. Every operation is idempotent and says
 * which users changed, so only those are published. Rebuilt from `presence.state` after a restart.
 *
 * @example
 * const table = new PresenceTable();
 * table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at });
 * table.stateOf('alice').online; // true
 */
export class PresenceTable {
  private readonly users = new Map<string, UserEntry>();
  /** gatewayId → when its sockets were dropped; connects from before then are stale. */
  private readonly dropped = new Map<string, number>();
  private online = 0;
  private connections = 0;

  /** A socket connected. A redelivered connect, or one for a socket already closed, changes nothing. */
  connect(event: SocketConnected): TableChange {
    const at = Date.parse(event.at);
    const entry = this.touch(event.userId, at);
    if (entry.connections.has(event.socketId) || entry.closed.includes(event.socketId)) return NO_CHANGE;
    const droppedAt = this.dropped.get(event.gatewayId);
    if (droppedAt !== undefined && at <= droppedAt) return NO_CHANGE; // the gateway was gone by then
    const before = this.snapshot(entry);
    const connection: PresenceConnection = {
      socketId: event.socketId,
      gatewayId: event.gatewayId,
      ...(event.device === undefined ? {} : { device: event.device }),
      ...(event.transport === undefined ? {} : { transport: event.transport }),
      connectedAt: event.at,
    };
    if (entry.connections.size === 0) entry.since = event.at;
    entry.connections.set(event.socketId, connection);
    const evicted = this.enforceCap(entry);
    entry.lastSeen = later(entry.lastSeen, event.at);
    this.account(before, entry);
    return { changed: [event.userId], evicted };
  }

  /** A socket disconnected. A redelivered disconnect, or one for a socket never seen, changes nothing. */
  disconnect(event: SocketDisconnected): TableChange {
    const entry = this.touch(event.userId, Date.parse(event.at));
    if (!entry.closed.includes(event.socketId)) remember(entry.closed, event.socketId, CLOSED_REMEMBERED);
    if (!entry.connections.has(event.socketId)) return NO_CHANGE;
    const before = this.snapshot(entry);
    entry.connections.delete(event.socketId);
    if (entry.connections.size === 0) entry.since = undefined;
    entry.lastSeen = later(entry.lastSeen, event.at);
    this.account(before, entry);
    return { changed: [event.userId], evicted: [] };
  }

  /** Forgets every socket of a gateway that said goodbye or went silent; `at` is when it was found gone. */
  dropGateway(gatewayId: string, at: string): TableChange {
    const atMs = Date.parse(at);
    const previous = this.dropped.get(gatewayId) ?? 0;
    this.dropped.delete(gatewayId); // re-inserted last: the oldest drops are the first forgotten
    this.dropped.set(gatewayId, Math.max(atMs, previous));
    while (this.dropped.size > DROPPED_GATEWAYS_REMEMBERED) this.dropped.delete(this.dropped.keys().next().value!);
    const changed: string[] = [];
    for (const [userId, entry] of this.users) {
      const gone = [...entry.connections.values()].filter((c) => c.gatewayId === gatewayId);
      if (gone.length === 0) continue;
      const before = this.snapshot(entry);
      for (const c of gone) {
        entry.connections.delete(c.socketId);
        remember(entry.closed, c.socketId, CLOSED_REMEMBERED);
      }
      if (entry.connections.size === 0) entry.since = undefined;
      entry.lastSeen = later(entry.lastSeen, at);
      entry.local = true;
      entry.lastEventMs = Math.max(entry.lastEventMs, atMs);
      this.account(before, entry);
      changed.push(userId);
    }
    return { changed, evicted: [] };
  }

  /**
   * Takes in a record read from `presence.state`. Records this instance wrote itself are echoes and are
   * ignored. A user this instance has processed events for keeps its state unless the record is newer
   * than all of them; an older record only adds the sockets this instance has not seen close. Sockets of
   * gateways dropped here are left out. `changed` lists the user when the result differs from the record,
   * so the topic is corrected.
   */
  adopt(record: PresenceState, { fromSelf = false }: { fromSelf?: boolean } = {}): TableChange {
    if (fromSelf) return NO_CHANGE;
    const existing = this.users.get(record.userId);
    const recordMs = Date.parse(record.lastSeen);
    const live = record.connections.filter((c) => !this.droppedBefore(c));
    let entry: UserEntry;
    let evicted: PresenceConnection[];
    if (!existing || !existing.local || recordMs > existing.lastEventMs) {
      const before = existing ? this.snapshot(existing) : EMPTY_SNAPSHOT;
      entry = {
        connections: new Map(live.map((c) => [c.socketId, c])),
        closed: [],
        since: live.length > 0 ? (record.since ?? earliest(live)) : undefined,
        lastSeen: record.lastSeen,
        local: false,
        lastEventMs: recordMs,
      };
      this.users.set(record.userId, entry);
      evicted = this.enforceCap(entry);
      this.account(before, entry);
    } else {
      entry = existing;
      const before = this.snapshot(entry);
      const added = live.filter((c) => !entry.connections.has(c.socketId) && !entry.closed.includes(c.socketId));
      if (added.length > 0) {
        // Sockets that were open before this instance started: they come before the ones it saw connect.
        const merged = [...added, ...entry.connections.values()];
        entry.connections = new Map(merged.map((c) => [c.socketId, c]));
        const since = record.since ?? earliest(added);
        entry.since = entry.since === undefined ? since : earlier(entry.since, since);
      }
      entry.lastSeen = later(entry.lastSeen, record.lastSeen);
      evicted = this.enforceCap(entry);
      this.account(before, entry);
    }
    return { changed: sameState(this.stateOf(record.userId), record) ? [] : [record.userId], evicted };
  }

  /** The user's state as published; a user never heard of is offline. */
  stateOf(userId: string): PresenceState {
    const entry = this.users.get(userId);
    if (!entry) return { version: 1, userId, online: false, gateways: [], devices: 0, lastSeen: NEVER_SEEN, connections: [] };
    const connections = [...entry.connections.values()];
    const perGateway = new Map<string, number>();
    for (const c of connections) perGateway.set(c.gatewayId, (perGateway.get(c.gatewayId) ?? 0) + 1);
    return {
      version: 1,
      userId,
      online: connections.length > 0,
      gateways: [...perGateway].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([gatewayId, sockets]) => ({ gatewayId, sockets })),
      devices: countDevices(connections),
      ...(entry.since === undefined || connections.length === 0 ? {} : { since: entry.since }),
      lastSeen: entry.lastSeen,
      connections,
    };
  }

  /** Every gateway holding at least one socket, with how many. */
  gateways(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.users.values()) for (const c of entry.connections.values()) counts.set(c.gatewayId, (counts.get(c.gatewayId) ?? 0) + 1);
    return counts;
  }

  get onlineUsers(): number {
    return this.online;
  }

  get liveConnections(): number {
    return this.connections;
  }

  /**
   * Users held, offline ones included. Not capped: an offline user's entry is their `lastSeen` (the
   * query API answers it) and the sockets already closed (a redelivered connect for one must not bring
   * the user back online), the same state presence.state keeps per user; so it follows the user base.
   */
  get heldUsers(): number {
    return this.users.size;
  }

  private touch(userId: string, atMs: number): UserEntry {
    let entry = this.users.get(userId);
    if (!entry) {
      entry = { connections: new Map(), closed: [], since: undefined, lastSeen: NEVER_SEEN, local: true, lastEventMs: atMs };
      this.users.set(userId, entry);
    }
    entry.local = true;
    entry.lastEventMs = Math.max(entry.lastEventMs, atMs);
    return entry;
  }

  private droppedBefore(connection: PresenceConnection): boolean {
    const droppedAt = this.dropped.get(connection.gatewayId);
    return droppedAt !== undefined && Date.parse(connection.connectedAt) <= droppedAt;
  }

  private enforceCap(entry: UserEntry): PresenceConnection[] {
    const evicted: PresenceConnection[] = [];
    while (entry.connections.size > MAX_CONNECTIONS_PER_USER) {
      const oldest = entry.connections.values().next().value!;
      entry.connections.delete(oldest.socketId);
      remember(entry.closed, oldest.socketId, CLOSED_REMEMBERED);
      evicted.push(oldest);
    }
    return evicted;
  }

  private snapshot(entry: UserEntry): Snapshot {
    return { connections: entry.connections.size };
  }

  /** Keeps the gauges' counts in step without walking the table. */
  private account(before: Snapshot, entry: UserEntry): void {
    const after = entry.connections.size;
    this.connections += after - before.connections;
    this.online += (after > 0 ? 1 : 0) - (before.connections > 0 ? 1 : 0);
  }
}

interface Snapshot {
  connections: number;
}
const EMPTY_SNAPSHOT: Snapshot = { connections: 0 };

/** Distinct device ids; a socket that named no device is a device of its own. */
function countDevices(connections: readonly PresenceConnection[]): number {
  const devices = new Set<string>();
  let anonymous = 0;
  for (const c of connections) {
    if (c.device === undefined) anonymous++;
    else devices.add(c.device);
  }
  return devices.size + anonymous;
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function earlier(a: string, b: string): string {
  return Date.parse(b) < Date.parse(a) ? b : a;
}

function earliest(connections: readonly PresenceConnection[]): string {
  return connections.map((c) => c.connectedAt).reduce(earlier);
}

function remember(list: string[], id: string, max: number): void {
  list.push(id);
  if (list.length > max) list.splice(0, list.length - max);
}

function sameState(a: PresenceState, b: PresenceState): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(s: PresenceState) {
  return [s.online, s.gateways, s.devices, s.since ?? null, s.lastSeen, s.connections.map((c) => [c.socketId, c.gatewayId, c.device ?? null, c.transport ?? null, c.connectedAt])];
}
