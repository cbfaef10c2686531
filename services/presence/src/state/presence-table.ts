import type { PresenceConnection, PresenceEvent, PresenceState } from '@notify/contracts';

/** The schema's limit on connections per user: beyond it the oldest socket is forgotten. */
export const MAX_CONNECTIONS_PER_USER = 64;
/** Socket ids remembered per user as closed (the schema's limit), so a late or replayed connect cannot bring them back. */
const CLOSED_REMEMBERED = 64;
/** Reported for a user presence has never heard of. */
export const NEVER_SEEN = new Date(0).toISOString();
/** The revision of an entry no event has touched: taken from a record written before revisions. */
const NO_REVISION = -1;

type SocketConnected = Extract<PresenceEvent, { kind: 'socket_connected' }>;
type SocketDisconnected = Extract<PresenceEvent, { kind: 'socket_disconnected' }>;

/** What an operation did: the users whose published state must be written, and sockets forgotten to stay under the cap. */
export interface TableChange {
  changed: string[];
  evicted: PresenceConnection[];
}

/** A socket of a user, as a gateway drop closes it. */
export interface UserSocket {
  userId: string;
  socketId: string;
}

interface UserEntry {
  /** Insertion order is connect order: the first entry is the oldest socket. */
  connections: Map<string, PresenceConnection>;
  /** Socket ids closed (disconnected or evicted), newest last; part of the published state. */
  closed: string[];
  since: string | undefined;
  lastSeen: string;
  /** Offset in presence.events of the last event this entry reflects. */
  revision: number;
  /** This instance applied that event itself, so it writes its state again over an older record. */
  local: boolean;
}

const NO_CHANGE: TableChange = Object.freeze({ changed: [], evicted: [] }) as TableChange;

/**
 * Who is online, on which gateways, as a pure in-memory table. Every change comes from an event of
 * presence.events and is stamped with its offset (its revision): a user's events share a partition,
 * so revisions order them without any clock, and an event at or below the revision held is one
 * already applied (a replay). A closed socket is remembered, so its connect arriving late never
 * reopens it. Rebuilt from `presence.state`, where the newest revision wins.
 *
 * @example
 * const table = new PresenceTable();
 * table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at }, 41);
 * table.stateOf('alice').online; // true
 */
export class PresenceTable {
  private readonly users = new Map<string, UserEntry>();
  private online = 0;
  private connections = 0;

  /** Applies one event of presence.events read at `revision` (its offset). */
  apply(event: PresenceEvent, revision: number): TableChange {
    return event.kind === 'socket_connected' ? this.connect(event, revision) : this.disconnect(event, revision);
  }

  /** A socket connected. A replayed connect, or one for a socket already closed, changes nothing. */
  connect(event: SocketConnected, revision: number): TableChange {
    const entry = this.entryFor(event.userId);
    if (!advance(entry, revision)) return NO_CHANGE;
    if (entry.connections.has(event.socketId) || entry.closed.includes(event.socketId)) return NO_CHANGE;
    const before = entry.connections.size;
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

  /**
   * A socket disconnected; it stays closed. A replayed disconnect changes nothing; one for a socket
   * never seen (its connect comes later, or went to another instance) is remembered and published.
   */
  disconnect(event: SocketDisconnected, revision: number): TableChange {
    const entry = this.entryFor(event.userId);
    if (!advance(entry, revision)) return NO_CHANGE;
    const known = entry.closed.includes(event.socketId);
    if (!known) remember(entry.closed, event.socketId, CLOSED_REMEMBERED);
    if (!entry.connections.has(event.socketId)) return known ? NO_CHANGE : { changed: [event.userId], evicted: [] };
    const before = entry.connections.size;
    entry.connections.delete(event.socketId);
    if (entry.connections.size === 0) entry.since = undefined;
    entry.lastSeen = later(entry.lastSeen, event.at);
    this.account(before, entry);
    return { changed: [event.userId], evicted: [] };
  }

  /** Every socket a gateway holds: what must be closed when it says goodbye or goes silent. */
  socketsOn(gatewayId: string): UserSocket[] {
    const sockets: UserSocket[] = [];
    for (const [userId, entry] of this.users) for (const c of entry.connections.values()) if (c.gatewayId === gatewayId) sockets.push({ userId, socketId: c.socketId });
    return sockets;
  }

  /**
   * Takes in a record read from `presence.state`. Records this process wrote are echoes and are
   * ignored. A newer revision replaces what is held; the same revision is the same state. An older
   * one lost a race (written by an instance that no longer had the user's partition, or late): the
   * instance that applied the newer event names the user in `changed`, so its state is written
   * again and the topic's last record for the user is the newest.
   */
  adopt(record: PresenceState, { fromSelf = false }: { fromSelf?: boolean } = {}): TableChange {
    if (fromSelf) return NO_CHANGE;
    const existing = this.users.get(record.userId);
    const revision = record.revision ?? NO_REVISION;
    // Records from before revisions cannot be ordered but by the topic: the later one is taken.
    const newer = !existing || revision > existing.revision || (revision === NO_REVISION && existing.revision === NO_REVISION);
    if (!newer) return revision < existing.revision && existing.local ? { changed: [record.userId], evicted: [] } : NO_CHANGE;
    const before = existing?.connections.size ?? 0;
    const entry: UserEntry = {
      connections: new Map(record.connections.map((c) => [c.socketId, c])),
      closed: [...(record.closed ?? [])],
      since: record.connections.length > 0 ? (record.since ?? earliest(record.connections)) : undefined,
      lastSeen: record.lastSeen,
      revision,
      local: false,
    };
    this.users.set(record.userId, entry);
    const evicted = this.enforceCap(entry);
    this.account(before, entry);
    return { changed: [], evicted };
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
      ...(entry.closed.length === 0 ? {} : { closed: [...entry.closed] }),
      ...(entry.revision === NO_REVISION ? {} : { revision: entry.revision }),
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
   * query API answers it), the sockets already closed and the revision, the same state presence.state
   * keeps per user; so it follows the user base.
   */
  get heldUsers(): number {
    return this.users.size;
  }

  private entryFor(userId: string): UserEntry {
    let entry = this.users.get(userId);
    if (!entry) {
      entry = { connections: new Map(), closed: [], since: undefined, lastSeen: NEVER_SEEN, revision: NO_REVISION, local: true };
      this.users.set(userId, entry);
    }
    return entry;
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

  /** Keeps the gauges' counts in step without walking the table. */
  private account(before: number, entry: UserEntry): void {
    const after = entry.connections.size;
    this.connections += after - before;
    this.online += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
  }
}

/** Moves the entry to the event's revision; false when the event is already reflected (a replay). */
function advance(entry: UserEntry, revision: number): boolean {
  if (revision <= entry.revision) return false;
  entry.revision = revision;
  entry.local = true;
  return true;
}

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

/** Only for the `lastSeen` shown to people: no decision is taken on clocks. */
function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function earliest(connections: readonly PresenceConnection[]): string {
  return connections.map((c) => c.connectedAt).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

function remember(list: string[], id: string, max: number): void {
  list.push(id);
  if (list.length > max) list.splice(0, list.length - max);
}
