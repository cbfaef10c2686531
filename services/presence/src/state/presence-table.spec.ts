import { describe, expect, it } from 'vitest';
import { encode, topics, type PresenceEvent, type PresenceState } from '@notify/contracts';
import { MAX_CONNECTIONS_PER_USER, NEVER_SEEN, PresenceTable } from './presence-table';

const t = (second: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, second)).toISOString();
type Connected = Extract<PresenceEvent, { kind: 'socket_connected' }>;
type Disconnected = Extract<PresenceEvent, { kind: 'socket_disconnected' }>;
const connected = (userId: string, socketId: string, gatewayId: string, second: number, extra: Partial<Connected> = {}): Connected => ({ version: 1, kind: 'socket_connected', userId, gatewayId, socketId, at: t(second), ...extra });
const disconnected = (userId: string, socketId: string, gatewayId: string, second: number): Disconnected => ({ version: 1, kind: 'socket_disconnected', userId, gatewayId, socketId, at: t(second) });
/** A record as presence would have published it. */
const record = (userId: string, connections: PresenceState['connections'], lastSeen: string, since?: string): PresenceState => {
  const state = { version: 1 as const, userId, online: connections.length > 0, gateways: [] as PresenceState['gateways'], devices: 0, lastSeen, connections, ...(since ? { since } : {}) };
  const perGateway = new Map<string, number>();
  for (const c of connections) perGateway.set(c.gatewayId, (perGateway.get(c.gatewayId) ?? 0) + 1);
  state.gateways = [...perGateway].sort().map(([gatewayId, sockets]) => ({ gatewayId, sockets }));
  state.devices = new Set(connections.map((c) => c.device ?? c.socketId)).size;
  return state;
};

describe('PresenceTable', () => {
  it('reports a user it never heard of as offline, never seen', () => {
    expect(new PresenceTable().stateOf('nobody')).toEqual({ version: 1, userId: 'nobody', online: false, gateways: [], devices: 0, lastSeen: NEVER_SEEN, connections: [] });
  });

  it('puts a user online on connect, with the gateway, the device, since and the connection', () => {
    const table = new PresenceTable();
    expect(table.connect(connected('alice', 's1', 'gw-1', 1, { device: 'phone', transport: 'websocket' }))).toEqual({ changed: ['alice'], evicted: [] });
    expect(table.stateOf('alice')).toEqual({
      version: 1,
      userId: 'alice',
      online: true,
      gateways: [{ gatewayId: 'gw-1', sockets: 1 }],
      devices: 1,
      since: t(1),
      lastSeen: t(1),
      connections: [{ socketId: 's1', gatewayId: 'gw-1', device: 'phone', transport: 'websocket', connectedAt: t(1) }],
    });
  });

  it('changes nothing for a redelivered connect or disconnect, or a disconnect of a socket it never saw', () => {
    const table = new PresenceTable();
    table.connect(connected('alice', 's1', 'gw-1', 1));
    const online = table.stateOf('alice');
    expect(table.connect(connected('alice', 's1', 'gw-1', 1)).changed).toEqual([]);
    expect(table.disconnect(disconnected('alice', 'unknown', 'gw-1', 2)).changed).toEqual([]);
    expect(table.stateOf('alice')).toEqual(online);
    expect(table.disconnect(disconnected('alice', 's1', 'gw-1', 3)).changed).toEqual(['alice']);
    const offline = table.stateOf('alice');
    expect(table.disconnect(disconnected('alice', 's1', 'gw-1', 3)).changed).toEqual([]);
    // A connect replayed after its disconnect does not bring the socket back.
    expect(table.connect(connected('alice', 's1', 'gw-1', 1)).changed).toEqual([]);
    expect(table.stateOf('alice')).toEqual(offline);
  });

  it('keeps a user online while any socket lives, and records when the last one went', () => {
    const table = new PresenceTable();
    table.connect(connected('alice', 's1', 'gw-1', 1, { device: 'phone' }));
    table.connect(connected('alice', 's2', 'gw-2', 2, { device: 'laptop' }));
    expect(table.stateOf('alice')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-1', sockets: 1 }, { gatewayId: 'gw-2', sockets: 1 }], devices: 2, since: t(1), lastSeen: t(2) });
    table.disconnect(disconnected('alice', 's1', 'gw-1', 3));
    expect(table.stateOf('alice')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-2', sockets: 1 }], devices: 1, since: t(1), lastSeen: t(3) });
    table.disconnect(disconnected('alice', 's2', 'gw-2', 4));
    const state = table.stateOf('alice');
    expect(state).toMatchObject({ online: false, gateways: [], devices: 0, lastSeen: t(4), connections: [] });
    expect(state.since).toBeUndefined();
    table.connect(connected('alice', 's3', 'gw-1', 5));
    expect(table.stateOf('alice')).toMatchObject({ online: true, since: t(5) });
  });

  it('counts distinct devices, and each socket without a device as one', () => {
    const table = new PresenceTable();
    table.connect(connected('alice', 's1', 'gw-1', 1, { device: 'phone' }));
    table.connect(connected('alice', 's2', 'gw-2', 1, { device: 'phone' }));
    table.connect(connected('alice', 's3', 'gw-1', 1));
    table.connect(connected('alice', 's4', 'gw-1', 1));
    expect(table.stateOf('alice')).toMatchObject({ devices: 3, gateways: [{ gatewayId: 'gw-1', sockets: 3 }, { gatewayId: 'gw-2', sockets: 1 }] });
  });

  it('drops every socket of a gateway, says which users changed, and ignores connects from before the drop', () => {
    const table = new PresenceTable();
    table.connect(connected('alice', 's1', 'gw-1', 1));
    table.connect(connected('alice', 's2', 'gw-2', 1));
    table.connect(connected('bob', 's3', 'gw-1', 1));
    table.connect(connected('carol', 's4', 'gw-2', 1));
    expect(table.dropGateway('gw-1', t(10)).changed.sort()).toEqual(['alice', 'bob']);
    expect(table.stateOf('alice')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-2', sockets: 1 }], lastSeen: t(10) });
    expect(table.stateOf('bob')).toMatchObject({ online: false, lastSeen: t(10) });
    expect(table.dropGateway('gw-1', t(10)).changed).toEqual([]);
    expect(table.connect(connected('bob', 's5', 'gw-1', 9)).changed).toEqual([]);
    expect(table.connect(connected('bob', 's6', 'gw-1', 11)).changed).toEqual(['bob']);
    expect(table.gateways()).toEqual(new Map([['gw-1', 1], ['gw-2', 2]]));
  });

  it(`keeps at most ${MAX_CONNECTIONS_PER_USER} sockets per user, forgetting the oldest`, () => {
    const table = new PresenceTable();
    for (let i = 0; i < MAX_CONNECTIONS_PER_USER; i++) expect(table.connect(connected('alice', `s${i}`, 'gw-1', 1)).evicted).toEqual([]);
    const change = table.connect(connected('alice', 'newest', 'gw-1', 2));
    expect(change.evicted.map((c) => c.socketId)).toEqual(['s0']);
    const state = table.stateOf('alice');
    expect(state.connections).toHaveLength(MAX_CONNECTIONS_PER_USER);
    expect(state.connections.at(-1)!.socketId).toBe('newest');
    expect(table.disconnect(disconnected('alice', 's0', 'gw-1', 3)).changed).toEqual([]);
    expect(table.liveConnections).toBe(MAX_CONNECTIONS_PER_USER);
  });

  it('fits a user with the most sockets, at the longest ids, in one presence.state record', () => {
    const table = new PresenceTable();
    const long = (prefix: string, i: number) => `${prefix}${i}`.padEnd(128, 'x');
    for (let i = 0; i < MAX_CONNECTIONS_PER_USER + 5; i++) {
      table.connect(connected(long('u', 0), long('s', i), long('g', i), 1, { device: long('d', i), transport: 'websocket', at: '2026-11-25T10:00:00.000+01:00' }));
    }
    expect(encode(topics.presenceState, table.stateOf(long('u', 0))).byteLength).toBeLessThanOrEqual(topics.presenceState.maxMessageBytes);
  });

  it('keeps the cap when a rebuilt record adds sockets, forgetting the oldest', () => {
    const table = new PresenceTable();
    for (let i = 0; i < 10; i++) table.connect(connected('alice', `new${i}`, 'gw-1', 30));
    const old = Array.from({ length: 60 }, (_, i) => ({ socketId: `old${i}`, gatewayId: 'gw-2', connectedAt: t(1) }));
    const change = table.adopt(record('alice', old, t(1), t(1)));
    expect(change.evicted.map((c) => c.socketId)).toEqual(['old0', 'old1', 'old2', 'old3', 'old4', 'old5']);
    expect(table.stateOf('alice').connections).toHaveLength(MAX_CONNECTIONS_PER_USER);
    expect(table.liveConnections).toBe(MAX_CONNECTIONS_PER_USER);
  });

  it('counts online users and live connections as they change', () => {
    const table = new PresenceTable();
    table.connect(connected('alice', 's1', 'gw-1', 1));
    table.connect(connected('alice', 's2', 'gw-2', 1));
    table.connect(connected('bob', 's3', 'gw-1', 1));
    expect([table.onlineUsers, table.liveConnections]).toEqual([2, 3]);
    table.dropGateway('gw-1', t(2));
    expect([table.onlineUsers, table.liveConnections]).toEqual([1, 1]);
    table.adopt(record('carol', [{ socketId: 'c1', gatewayId: 'gw-3', connectedAt: t(0) }], t(0), t(0)));
    expect([table.onlineUsers, table.liveConnections]).toEqual([2, 2]);
    table.adopt(record('carol', [], t(1)));
    expect([table.onlineUsers, table.liveConnections]).toEqual([1, 1]);
  });

  describe('rebuilding from presence.state', () => {
    const online = record('alice', [{ socketId: 's1', gatewayId: 'gw-1', device: 'phone', connectedAt: t(1) }], t(1), t(1));

    it('takes a record for a user it has no events for, as it is, without republishing it', () => {
      const table = new PresenceTable();
      expect(table.adopt(online).changed).toEqual([]);
      expect(table.stateOf('alice')).toEqual(online);
      // Socket ids survive the restart: the old socket's disconnect takes the user offline.
      expect(table.disconnect(disconnected('alice', 's1', 'gw-1', 5)).changed).toEqual(['alice']);
      expect(table.stateOf('alice')).toMatchObject({ online: false, lastSeen: t(5) });
    });

    it('ignores its own records', () => {
      const table = new PresenceTable();
      table.connect(connected('alice', 's9', 'gw-1', 2));
      const mine = table.stateOf('alice');
      table.disconnect(disconnected('alice', 's9', 'gw-1', 3));
      expect(table.adopt(mine, { fromSelf: true }).changed).toEqual([]);
      expect(table.stateOf('alice').online).toBe(false);
    });

    it('never lets an older record overwrite a user it processed a newer event for, but keeps its sockets', () => {
      const table = new PresenceTable();
      table.connect(connected('alice', 's2', 'gw-2', 3, { device: 'laptop' }));
      const change = table.adopt(online);
      expect(change.changed).toEqual(['alice']); // the topic said one socket; there are two
      expect(table.stateOf('alice')).toMatchObject({ online: true, devices: 2, since: t(1), lastSeen: t(3), gateways: [{ gatewayId: 'gw-1', sockets: 1 }, { gatewayId: 'gw-2', sockets: 1 }] });
      expect(table.stateOf('alice').connections.map((c) => c.socketId)).toEqual(['s1', 's2']);
    });

    it('does not bring back a socket whose disconnect it processed before the record arrived', () => {
      const table = new PresenceTable();
      expect(table.disconnect(disconnected('alice', 's1', 'gw-1', 5)).changed).toEqual([]);
      expect(table.adopt(online).changed).toEqual(['alice']); // the topic still says online: correct it
      expect(table.stateOf('alice')).toMatchObject({ online: false, lastSeen: t(1), connections: [] });
    });

    it('takes a record newer than anything it processed (another instance owns the user now)', () => {
      const table = new PresenceTable();
      table.connect(connected('alice', 's2', 'gw-2', 0));
      expect(table.adopt(online).changed).toEqual([]);
      expect(table.stateOf('alice')).toEqual(online);
    });

    it('leaves out sockets of gateways it already dropped', () => {
      const table = new PresenceTable();
      table.dropGateway('gw-1', t(2));
      expect(table.adopt(online).changed).toEqual(['alice']);
      expect(table.stateOf('alice')).toMatchObject({ online: false, connections: [] });
    });

    it('keeps applying later records for users it has no events for', () => {
      const table = new PresenceTable();
      table.adopt(online);
      table.adopt(record('alice', [], t(4)));
      expect(table.stateOf('alice')).toMatchObject({ online: false, lastSeen: t(4) });
    });
  });
});
