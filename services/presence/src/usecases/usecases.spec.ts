import { describe, expect, it } from 'vitest';
import type { PresenceState } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { GatewayLiveness } from '../liveness/gateway-liveness';
import { PresenceTable } from '../state/presence-table';
import { adoptState } from './adopt-state';
import { expireSilentGateways } from './expire-gateways';
import { recordGatewayLiveness } from './record-gateway-liveness';
import { recordSocketEvent } from './record-socket-event';

const at = '2026-11-25T10:00:00.000Z';

function deps(now = 0) {
  const published: string[][] = [];
  return {
    table: new PresenceTable(),
    liveness: new GatewayLiveness(15_000),
    publisher: { publish: async (userIds: Iterable<string>) => published.push([...userIds]) },
    logger: silentLogger(),
    now: () => now,
    published,
  };
}

describe('recordSocketEvent', () => {
  it('publishes the user when a socket changes its state, and nothing for a redelivery', async () => {
    const d = deps();
    const connect = { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at } as const;
    await recordSocketEvent(d, connect);
    await recordSocketEvent(d, connect);
    expect(d.published).toEqual([['alice'], []]);
  });

  it('starts the grace period of a gateway it never heard a heartbeat from', async () => {
    const d = deps(1000);
    await recordSocketEvent(d, { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-new', socketId: 's1', at });
    expect(d.liveness.expired(16_000)).toEqual([]);
    expect(d.liveness.expired(16_001)).toEqual(['gw-new']);
  });
});

describe('recordGatewayLiveness', () => {
  it('keeps a beating gateway alive without publishing, and takes its users offline on goodbye', async () => {
    const d = deps(0);
    await recordGatewayLiveness(d, { version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-1', sockets: 1, at });
    await recordSocketEvent(d, { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at });
    expect(d.published).toEqual([['alice']]);
    await recordGatewayLiveness(d, { version: 1, kind: 'gateway_stopped', gatewayId: 'gw-1', at: '2026-11-25T10:00:05.000Z' });
    expect(d.published).toEqual([['alice'], ['alice']]);
    expect(d.table.stateOf('alice')).toMatchObject({ online: false, lastSeen: '2026-11-25T10:00:05.000Z' });
    expect(d.liveness.size).toBe(0);
  });
});

describe('adoptState', () => {
  const record: PresenceState = { version: 1, userId: 'alice', online: true, gateways: [{ gatewayId: 'gw-1', sockets: 1 }], devices: 1, since: at, lastSeen: at, connections: [{ socketId: 's1', gatewayId: 'gw-1', connectedAt: at }] };

  it('takes in another writer’s record without publishing it again, and ignores its own', async () => {
    const d = deps();
    await adoptState(d, record, { fromSelf: true });
    expect(d.table.stateOf('alice').online).toBe(false);
    await adoptState(d, record, { fromSelf: false });
    expect(d.table.stateOf('alice')).toEqual(record);
    expect(d.published).toEqual([[]]);
    expect(d.liveness.size).toBe(1); // gw-1's grace period has started
  });

  it('publishes a correction when it knows better than the record', async () => {
    const d = deps();
    await recordSocketEvent(d, { version: 1, kind: 'socket_disconnected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at: '2026-11-25T10:00:05.000Z' });
    await adoptState(d, record, { fromSelf: false });
    expect(d.published).toEqual([[], ['alice']]);
    expect(d.table.stateOf('alice').online).toBe(false);
  });
});

describe('expireSilentGateways', () => {
  it('drops the sockets of gateways silent longer than the TTL and names the users', () => {
    const d = deps();
    const start = Date.parse(at);
    d.liveness.beat('gw-1', start);
    d.table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at });
    expect(expireSilentGateways(d, start + 15_000)).toEqual({ expired: [], changed: [] });
    expect(expireSilentGateways(d, start + 15_001)).toEqual({ expired: ['gw-1'], changed: ['alice'] });
    expect(d.table.stateOf('alice')).toMatchObject({ online: false, lastSeen: new Date(start + 15_001).toISOString() });
  });
});
