import { describe, expect, it } from 'vitest';
import { encode, topics, type PresenceEvent, type PresenceState } from '@notify/contracts';
import { MAX_CONNECTIONS_PER_USER, NEVER_SEEN, PresenceTable } from './presence-table';

const t = (second: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, second)).toISOString();
type Connected = Extract<PresenceEvent, { kind: 'socket_connected' }>;
type Disconnected = Extract<PresenceEvent, { kind: 'socket_disconnected' }>;
const connected = (userId: string, socketId: string, gatewayId: string, second: number, extra: Partial<Connected> = {}): Connected => ({ version: 1, kind: 'socket_connected', userId, gatewayId, socketId, at: t(second), ...extra });
const disconnected = (userId: string, socketId: string, gatewayId: string, second: number): Disconnected => ({ version: 1, kind: 'socket_disconnected', userId, gatewayId, socketId, at: t(second) });

/** A table fed events at increasing offsets, as one presence.events partition would. */
function fed() {
  const table = new PresenceTable();
  let offset = 0;
  return { table, apply: (event: PresenceEvent) => table.apply(event, offset++), next: () => offset };
}

describe('PresenceTable', () => {
  it('reports a user it never heard of as offline, never seen, without a revision', () => {
    expect(new PresenceTable().stateOf('nobody')).toEqual({ version: 1, userId: 'nobody', online: false, gateways: [], devices: 0, lastSeen: NEVER_SEEN, connections: [] });
  });

  it('puts a user online on connect, with the gateway, the device, since, the connection and the event’s revision', () => {
    const table = new PresenceTable();
    expect(table.connect(connected('alice', 's1', 'gw-1', 1, { device: 'phone', transport: 'websocket' }), 41)).toEqual({ changed: ['alice'], evicted: [] });
    expect(table.stateOf('alice')).toEqual({
      version: 1,
      userId: 'alice',
      online: true,
      gateways: [{ gatewayId: 'gw-1', sockets: 1 }],
      devices: 1,
      since: t(1),
      lastSeen: t(1),
      connections: [{ socketId: 's1', gatewayId: 'gw-1', device: 'phone', transport: 'websocket', connectedAt: t(1) }],
      revision: 41,
    });
  });

  it('changes nothing for an event replayed at its own offset or an earlier one', () => {
    const table = new PresenceTable();
    table.connect(connected('alice', 's1', 'gw-1', 1), 10);
    table.disconnect(disconnected('alice', 's1', 'gw-1', 2), 11);
    const offline = table.stateOf('alice');
    // Read again after a crash before the commit: the connect must not reopen the socket.
    expect(table.connect(connected('alice', 's1', 'gw-1', 1), 10).changed).toEqual([]);
    expect(table.connect(connected('alice', 's9', 'gw-1', 1), 9).changed).toEqual([]);
    expect(table.stateOf('alice')).toEqual(offline);
  });

  it('keeps a disconnect final: its connect arriving later (a later offset) does not reopen the socket', () => {
    const { table, apply } = fed();
    // The gateway's connect was retried and landed after its disconnect.
    expect(apply(disconnected('alice', 's1', 'gw-1', 5)).changed).toEqual(['alice']); // the closed socket is state: published
    expect(table.stateOf('alice')).toMatchObject({ online: false, closed: ['s1'] });
    expect(apply(connected('alice', 's1', 'gw-1', 4)).changed).toEqual([]);
    expect(table.stateOf('alice').online).toBe(false);
    // A redelivered disconnect changes nothing more.
    expect(apply(disconnected('alice', 's1', 'gw-1', 5)).changed).toEqual([]);
  });

  it('decides on offsets, not clocks: a gateway whose clock is an hour behind still takes its user offline, and one an hour ahead does not keep a closed socket open', () => {
    const { table, apply } = fed();
    const hour = 3600;
    apply(connected('alice', 's-ahead', 'gw-fast', 100 + hour));
    apply(connected('alice', 's-behind', 'gw-slow', 100 - hour));
    apply(disconnected('alice', 's-ahead', 'gw-fast', 101 + hour));
    expect(table.stateOf('alice')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-slow', sockets: 1 }] });
    apply(disconnected('alice', 's-behind', 'gw-slow', 101 - hour));
    expect(table.stateOf('alice')).toMatchObject({ online: false, connections: [], lastSeen: t(101 + hour) });
  });

  it('keeps a user online while any socket lives, and records when the last one went', () => {
    const { table, apply } = fed();
    apply(connected('alice', 's1', 'gw-1', 1, { device: 'phone' }));
    apply(connected('alice', 's2', 'gw-2', 2, { device: 'laptop' }));
    expect(table.stateOf('alice')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-1', sockets: 1 }, { gatewayId: 'gw-2', sockets: 1 }], devices: 2, since: t(1), lastSeen: t(2) });
    apply(disconnected('alice', 's1', 'gw-1', 3));
    expect(table.stateOf('alice')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-2', sockets: 1 }], devices: 1, since: t(1), lastSeen: t(3) });
    apply(disconnected('alice', 's2', 'gw-2', 4));
    const state = table.stateOf('alice');
    expect(state).toMatchObject({ online: false, gateways: [], devices: 0, lastSeen: t(4), connections: [], closed: ['s1', 's2'] });
    expect(state.since).toBeUndefined();
    apply(connected('alice', 's3', 'gw-1', 5));
    expect(table.stateOf('alice')).toMatchObject({ online: true, since: t(5) });
  });

  it('counts distinct devices, and each socket without a device as one', () => {
    const { table, apply } = fed();
    apply(connected('alice', 's1', 'gw-1', 1, { device: 'phone' }));
    apply(connected('alice', 's2', 'gw-2', 1, { device: 'phone' }));
    apply(connected('alice', 's3', 'gw-1', 1));
    apply(connected('alice', 's4', 'gw-1', 1));
    expect(table.stateOf('alice')).toMatchObject({ devices: 3, gateways: [{ gatewayId: 'gw-1', sockets: 3 }, { gatewayId: 'gw-2', sockets: 1 }] });
  });

  it('lists the sockets a gateway holds, to close them when it goes', () => {
    const { table, apply } = fed();
    apply(connected('alice', 's1', 'gw-1', 1));
    apply(connected('alice', 's2', 'gw-2', 1));
    apply(connected('bob', 's3', 'gw-1', 1));
    expect(table.socketsOn('gw-1')).toEqual([
      { userId: 'alice', socketId: 's1' },
      { userId: 'bob', socketId: 's3' },
    ]);
    expect(table.gateways()).toEqual(new Map([['gw-1', 2], ['gw-2', 1]]));
  });

  it(`keeps at most ${MAX_CONNECTIONS_PER_USER} sockets per user, forgetting the oldest`, () => {
    const { table, apply } = fed();
    for (let i = 0; i < MAX_CONNECTIONS_PER_USER; i++) expect(apply(connected('alice', `s${i}`, 'gw-1', 1)).evicted).toEqual([]);
    const change = apply(connected('alice', 'newest', 'gw-1', 2));
    expect(change.evicted.map((c) => c.socketId)).toEqual(['s0']);
    const state = table.stateOf('alice');
    expect(state.connections).toHaveLength(MAX_CONNECTIONS_PER_USER);
    expect(state.connections.at(-1)!.socketId).toBe('newest');
    expect(apply(disconnected('alice', 's0', 'gw-1', 3)).changed).toEqual([]);
    expect(table.liveConnections).toBe(MAX_CONNECTIONS_PER_USER);
  });

  it('fits a user with the most sockets and closed sockets, at the longest ids, in one presence.state record', () => {
    const { table, apply } = fed();
    const long = (prefix: string, i: number) => `${prefix}${i}`.padEnd(128, 'x');
    for (let i = 0; i < 2 * MAX_CONNECTIONS_PER_USER + 5; i++) {
      apply(connected(long('u', 0), long('s', i), long('g', i), 1, { device: long('d', i), transport: 'websocket', at: '2026-11-25T10:00:00.000+01:00' }));
    }
    const state = table.stateOf(long('u', 0));
    expect([state.connections.length, state.closed!.length]).toEqual([MAX_CONNECTIONS_PER_USER, 64]);
    expect(encode(topics.presenceState, state).byteLength).toBeLessThanOrEqual(topics.presenceState.maxMessageBytes);
  });

  it('counts online users and live connections as they change', () => {
    const { table, apply } = fed();
    apply(connected('alice', 's1', 'gw-1', 1));
    apply(connected('alice', 's2', 'gw-2', 1));
    apply(connected('bob', 's3', 'gw-1', 1));
    expect([table.onlineUsers, table.liveConnections]).toEqual([2, 3]);
    apply(disconnected('alice', 's1', 'gw-1', 2));
    apply(disconnected('bob', 's3', 'gw-1', 2));
    expect([table.onlineUsers, table.liveConnections]).toEqual([1, 1]);
    const other = new PresenceTable();
    other.connect(connected('carol', 'c1', 'gw-3', 0), 5);
    table.adopt(other.stateOf('carol'));
    expect([table.onlineUsers, table.liveConnections]).toEqual([2, 2]);
    other.disconnect(disconnected('carol', 'c1', 'gw-3', 1), 6);
    table.adopt(other.stateOf('carol'));
    expect([table.onlineUsers, table.liveConnections]).toEqual([1, 1]);
  });

  describe('rebuilding from presence.state', () => {
    /** What another instance published for alice after the events it applied. */
    const written = (...steps: Array<[PresenceEvent, number]>): PresenceState => {
      const other = new PresenceTable();
      for (const [event, offset] of steps) other.apply(event, offset);
      return other.stateOf('alice');
    };
    const online = written([connected('alice', 's1', 'gw-1', 1, { device: 'phone' }), 10]);

    it('takes a record for a user it holds nothing of, as it is, without republishing it', () => {
      const table = new PresenceTable();
      expect(table.adopt(online).changed).toEqual([]);
      expect(table.stateOf('alice')).toEqual(online);
      // Socket ids survive the restart: the old socket's disconnect takes the user offline.
      expect(table.disconnect(disconnected('alice', 's1', 'gw-1', 5), 11).changed).toEqual(['alice']);
      expect(table.stateOf('alice')).toMatchObject({ online: false, lastSeen: t(5), revision: 11 });
    });

    it('ignores its own records', () => {
      const table = new PresenceTable();
      expect(table.adopt(online, { fromSelf: true }).changed).toEqual([]);
      expect(table.stateOf('alice').online).toBe(false);
    });

    it('carries the closed sockets over, so a connect that lands after its disconnect stays closed on the next holder', () => {
      const table = new PresenceTable();
      table.adopt(written([disconnected('alice', 's7', 'gw-1', 5), 20]));
      expect(table.connect(connected('alice', 's7', 'gw-1', 4), 21).changed).toEqual([]);
      expect(table.stateOf('alice').online).toBe(false);
    });

    it('takes a newer record over what it applied itself (another instance holds the user now)', () => {
      const table = new PresenceTable();
      table.connect(connected('alice', 's1', 'gw-1', 1), 10);
      const newer = written([connected('alice', 's1', 'gw-1', 1), 10], [disconnected('alice', 's1', 'gw-1', 2), 15]);
      expect(table.adopt(newer).changed).toEqual([]);
      expect(table.stateOf('alice')).toEqual(newer);
      // And the events it reflects are not applied twice.
      expect(table.connect(connected('alice', 's2', 'gw-1', 1), 14).changed).toEqual([]);
    });

    it('ignores an older record whatever its clock says, and writes its newer state again when it applied it itself', () => {
      const table = new PresenceTable();
      // The older record claims a later time (its gateway's clock is ahead); the revision decides.
      const stale = written([connected('alice', 's1', 'gw-fast', 59), 10]);
      table.connect(connected('alice', 's1', 'gw-fast', 59), 10);
      table.disconnect(disconnected('alice', 's1', 'gw-fast', 2), 12);
      expect(table.adopt(stale).changed).toEqual(['alice']);
      expect(table.stateOf('alice')).toMatchObject({ online: false, revision: 12 });

      const follower = new PresenceTable();
      follower.adopt(table.stateOf('alice'));
      expect(follower.adopt(stale).changed).toEqual([]); // not its own event: the writer corrects it
      expect(follower.stateOf('alice').online).toBe(false);
    });

    it('takes the same revision once, and records written before revisions in the order read', () => {
      const table = new PresenceTable();
      table.adopt(online);
      expect(table.adopt({ ...online, connections: [] }).changed).toEqual([]);
      expect(table.stateOf('alice').online).toBe(true);

      const legacy = new PresenceTable();
      const { revision: _none, ...old } = online;
      legacy.adopt(old);
      legacy.adopt({ ...old, online: false, gateways: [], devices: 0, connections: [] });
      expect(legacy.stateOf('alice').online).toBe(false);
      // Then events apply on top of it.
      expect(legacy.connect(connected('alice', 's2', 'gw-1', 3), 0).changed).toEqual(['alice']);
    });
  });
});
