import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { PresenceTable } from '../state/presence-table';
import { GatewayLiveness } from './gateway-liveness';
import { GatewaySweeper } from './gateway-sweeper';

const TTL = 15_000;

function setup(options: { lastHeardAt?: () => number | null } = {}) {
  let now = 0;
  let offset = 100;
  const table = new PresenceTable();
  const liveness = new GatewayLiveness(TTL);
  const sent: PresenceEvent[] = [];
  let failing = false;
  const expired: string[] = [];
  const sweeper = new GatewaySweeper({
    table,
    liveness,
    // Applied at once, as the instance holding each user's partition would.
    sendSocketEvents: async (events) => {
      if (failing) throw new Error('broker unreachable');
      sent.push(...events);
      for (const e of events) table.apply(e, offset++);
    },
    logger: silentLogger(),
    intervalMs: 1000,
    now: () => now,
    onExpired: (g) => expired.push(g),
    ...options,
  });
  const connect = (userId: string, socketId: string, gatewayId: string) => table.connect({ version: 1, kind: 'socket_connected', userId, socketId, gatewayId, at: new Date(now).toISOString() }, offset++);
  return { table, liveness, sweeper, sent, expired, connect, at: (ms: number) => void (now = ms), fail: (value: boolean) => void (failing = value) };
}

describe('GatewaySweeper', () => {
  it('closes the sockets of a gateway that stopped beating once the TTL has passed, and only them', async () => {
    const s = setup();
    s.liveness.beat('gw-dead', 0);
    s.liveness.beat('gw-alive', 0);
    s.connect('alice', 's1', 'gw-dead');
    s.connect('bob', 's2', 'gw-alive');
    s.connect('carol', 's3', 'gw-dead');
    s.connect('carol', 's4', 'gw-alive');
    for (let t = 1000; t <= TTL; t += 1000) {
      s.at(t);
      if (t % 5000 === 0) s.liveness.beat('gw-alive', t);
      await s.sweeper.tick();
    }
    expect(s.sent).toEqual([]);
    s.at(TTL + 1000);
    await s.sweeper.tick();
    expect(s.expired).toEqual(['gw-dead']);
    expect(s.sent.map((e) => [e.userId, e.socketId, e.kind])).toEqual([['alice', 's1', 'socket_disconnected'], ['carol', 's3', 'socket_disconnected']]);
    expect(s.table.stateOf('alice')).toMatchObject({ online: false, lastSeen: new Date(TTL + 1000).toISOString() });
    expect(s.table.stateOf('carol')).toMatchObject({ online: true, gateways: [{ gatewayId: 'gw-alive', sockets: 1 }] });
    expect(s.table.stateOf('bob').online).toBe(true);
    s.at(TTL + 2000);
    await s.sweeper.tick();
    expect(s.expired).toEqual(['gw-dead']); // expired once
  });

  it('gives gateways known only from rebuilt state one TTL of grace from start-up', async () => {
    const s = setup();
    s.at(100_000); // start-up
    const other = new PresenceTable();
    other.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-old', socketId: 's1', at: new Date(0).toISOString() }, 3);
    s.table.adopt(other.stateOf('alice'));
    await s.sweeper.tick();
    s.at(100_000 + TTL);
    await s.sweeper.tick();
    expect(s.table.stateOf('alice').online).toBe(true);
    s.at(100_000 + TTL + 1);
    await s.sweeper.tick();
    expect(s.table.stateOf('alice').online).toBe(false);
  });

  it('writes the closes again on the next sweep when a write failed', async () => {
    const s = setup();
    s.liveness.beat('gw-1', 0);
    s.connect('alice', 's1', 'gw-1');
    s.fail(true);
    s.at(TTL + 1);
    await s.sweeper.tick();
    expect([s.sent, s.expired]).toEqual([[], []]);
    s.fail(false);
    s.at(TTL + 1000);
    await s.sweeper.tick();
    expect(s.sent).toMatchObject([{ userId: 'alice', socketId: 's1' }]);
    expect(s.expired).toEqual(['gw-1']);
    await s.sweeper.tick();
    expect(s.sent).toHaveLength(1);
  });

  it('sweeps on its interval until stopped', async () => {
    const table = new PresenceTable();
    const liveness = new GatewayLiveness(50);
    const sent: string[] = [];
    const sweeper = new GatewaySweeper({ table, liveness, sendSocketEvents: async (events) => void sent.push(...events.map((e) => e.userId)), logger: silentLogger(), intervalMs: 20 });
    table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', socketId: 's1', gatewayId: 'gw-1', at: new Date().toISOString() }, 0);
    liveness.beat('gw-1', Date.now());
    sweeper.start();
    await new Promise((r) => setTimeout(r, 300));
    await sweeper.stop();
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sent)).toEqual(new Set(['alice']));
  });

  it('judges no gateway silent while this instance hears nothing from the broker, and gives each a whole TTL once it hears again', async () => {
    let heardAt: number | null = 0;
    const s = setup({ lastHeardAt: () => heardAt });
    s.liveness.beat('gw-1', 0);
    s.connect('alice', 's1', 'gw-1');
    // The broker restarts at 1 s: no fetch answered, no heartbeat from any gateway, for 30 s.
    for (let t = 1000; t <= 31_000; t += 1000) {
      s.at(t);
      await s.sweeper.tick();
    }
    expect(s.expired).toEqual([]);
    expect(s.table.stateOf('alice').online).toBe(true);
    // Fetches answer again from 31 s; the gateway beats within a TTL of that, so it was never dead.
    for (let t = 31_000; t <= 31_000 + TTL; t += 1000) {
      heardAt = t;
      s.at(t);
      if (t === 40_000) s.liveness.beat('gw-1', t);
      await s.sweeper.tick();
    }
    expect(s.expired).toEqual([]);
    // A gateway that stays silent once heartbeats are heard again is expired a TTL after that.
    s.liveness.beat('gw-2', 40_000);
    s.connect('bob', 's2', 'gw-2');
    for (let t = 47_000; t <= 56_000; t += 1000) {
      heardAt = t;
      s.at(t);
      s.liveness.beat('gw-1', t);
      await s.sweeper.tick();
    }
    expect(s.expired).toEqual(['gw-2']);
    expect(s.table.stateOf('bob').online).toBe(false);
  });

  it('counts itself deaf before its consumer first heard the topic', async () => {
    const s = setup({ lastHeardAt: () => null });
    s.liveness.beat('gw-1', 0);
    s.at(TTL * 3);
    await s.sweeper.tick();
    expect(s.expired).toEqual([]);
  });
});
