import { describe, expect, it } from 'vitest';
import type { PresenceState } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { PresenceTable } from '../state/presence-table';
import { StatePublisher } from '../state/state-publisher';
import { GatewayLiveness } from './gateway-liveness';
import { GatewaySweeper } from './gateway-sweeper';

const TTL = 15_000;

function setup() {
  let now = 0;
  const table = new PresenceTable();
  const liveness = new GatewayLiveness(TTL);
  const written: PresenceState[] = [];
  let failing = false;
  const publisher = new StatePublisher(table, async (states) => {
    if (failing) throw new Error('broker unreachable');
    written.push(...states);
  });
  const expired: string[] = [];
  const sweeper = new GatewaySweeper({ table, liveness, publisher, logger: silentLogger(), intervalMs: 1000, now: () => now, onExpired: (g) => expired.push(g) });
  const connect = (userId: string, socketId: string, gatewayId: string) =>
    table.connect({ version: 1, kind: 'socket_connected', userId, socketId, gatewayId, at: new Date(now).toISOString() });
  return {
    table,
    liveness,
    sweeper,
    written,
    expired,
    connect,
    at: (ms: number) => void (now = ms),
    fail: (value: boolean) => void (failing = value),
  };
}

describe('GatewaySweeper', () => {
  it('takes the users of a gateway that stopped beating offline once the TTL has passed, and only them', async () => {
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
    expect(s.written).toEqual([]);
    s.at(TTL + 1000);
    await s.sweeper.tick();
    expect(s.expired).toEqual(['gw-dead']);
    expect(s.written.map((w) => [w.userId, w.online]).sort()).toEqual([['alice', false], ['carol', true]]);
    expect(s.written.find((w) => w.userId === 'alice')!.lastSeen).toBe(new Date(TTL + 1000).toISOString());
    expect(s.table.stateOf('bob').online).toBe(true);
    s.at(TTL + 2000);
    await s.sweeper.tick();
    expect(s.expired).toEqual(['gw-dead']); // expired once
  });

  it('gives gateways known only from rebuilt state one TTL of grace from start-up', async () => {
    const s = setup();
    s.at(100_000); // start-up
    s.table.adopt({ version: 1, userId: 'alice', online: true, gateways: [{ gatewayId: 'gw-old', sockets: 1 }], devices: 1, since: new Date(0).toISOString(), lastSeen: new Date(0).toISOString(), connections: [{ socketId: 's1', gatewayId: 'gw-old', connectedAt: new Date(0).toISOString() }] });
    await s.sweeper.tick();
    s.at(100_000 + TTL);
    await s.sweeper.tick();
    expect(s.table.stateOf('alice').online).toBe(true);
    s.at(100_000 + TTL + 1);
    await s.sweeper.tick();
    expect(s.table.stateOf('alice').online).toBe(false);
    expect(s.written).toMatchObject([{ userId: 'alice', online: false }]);
  });

  it('writes users again on the next sweep when a write failed', async () => {
    const s = setup();
    s.liveness.beat('gw-1', 0);
    s.connect('alice', 's1', 'gw-1');
    s.fail(true);
    s.at(TTL + 1);
    await s.sweeper.tick();
    expect(s.written).toEqual([]);
    s.fail(false);
    s.at(TTL + 1000);
    await s.sweeper.tick();
    expect(s.written).toMatchObject([{ userId: 'alice', online: false }]);
    await s.sweeper.tick();
    expect(s.written).toHaveLength(1);
  });

  it('sweeps on its interval until stopped', async () => {
    const table = new PresenceTable();
    const liveness = new GatewayLiveness(50);
    const written: string[] = [];
    const sweeper = new GatewaySweeper({ table, liveness, publisher: new StatePublisher(table, async (states) => void written.push(...states.map((x) => x.userId))), logger: silentLogger(), intervalMs: 20 });
    table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', socketId: 's1', gatewayId: 'gw-1', at: new Date().toISOString() });
    liveness.beat('gw-1', Date.now());
    sweeper.start();
    await new Promise((r) => setTimeout(r, 300));
    await sweeper.stop();
    expect(written).toEqual(['alice']);
  });
});
