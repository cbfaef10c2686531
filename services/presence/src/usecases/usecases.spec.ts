import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { GatewayLiveness } from '../liveness/gateway-liveness';
import { PresenceTable } from '../state/presence-table';
import { adoptState } from './adopt-state';
import { expireSilentGateways } from './expire-gateways';
import { recordGatewayLiveness } from './record-gateway-liveness';
import { recordSocketEvent } from './record-socket-event';

const at = '2026-11-25T10:00:00.000Z';

/** Use-case deps; socket events written to presence.events are kept in `sent`, and `deliver()` applies them as their owner would. */
function deps(now = 0) {
  const published: string[][] = [];
  const sent: PresenceEvent[] = [];
  let offset = 1000;
  const d = {
    table: new PresenceTable(),
    liveness: new GatewayLiveness(15_000),
    publisher: { publish: async (userIds: Iterable<string>) => published.push([...userIds]) },
    sendSocketEvents: async (events: PresenceEvent[]) => void sent.push(...events),
    logger: silentLogger(),
    now: () => now,
    published,
    sent,
    deliver: async () => {
      for (const event of sent.splice(0)) await recordSocketEvent(d, event, offset++);
    },
  };
  return d;
}

describe('recordSocketEvent', () => {
  it('publishes the user when a socket changes its state, and nothing for a replay', async () => {
    const d = deps();
    const connect = { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at } as const;
    await recordSocketEvent(d, connect, 1);
    await recordSocketEvent(d, connect, 1);
    expect(d.published).toEqual([['alice'], []]);
  });

  it('starts the grace period of a gateway it never heard a heartbeat from', async () => {
    const d = deps(1000);
    await recordSocketEvent(d, { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-new', socketId: 's1', at }, 1);
    expect(d.liveness.expired(16_000)).toEqual([]);
    expect(d.liveness.expired(16_001)).toEqual(['gw-new']);
  });
});

describe('recordGatewayLiveness', () => {
  it('keeps a beating gateway alive without publishing, and closes its sockets through presence.events on goodbye', async () => {
    const d = deps(0);
    await recordGatewayLiveness(d, { version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-1', sockets: 1, at });
    await recordSocketEvent(d, { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at }, 1);
    expect(d.published).toEqual([['alice']]);
    const bye = '2026-11-25T10:00:05.000Z';
    await recordGatewayLiveness(d, { version: 1, kind: 'gateway_stopped', gatewayId: 'gw-1', at: bye });
    expect(d.sent).toEqual([{ version: 1, kind: 'socket_disconnected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', reason: 'gateway stopped', at: bye }]);
    expect(d.liveness.size).toBe(0);
    await d.deliver();
    expect(d.table.stateOf('alice')).toMatchObject({ online: false, lastSeen: bye });
    expect(d.published).toEqual([['alice'], ['alice']]);
  });
});

describe('adoptState', () => {
  const other = new PresenceTable();
  other.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at }, 7);
  const record = other.stateOf('alice');

  it('takes in another writer’s record without publishing it again, and ignores its own', async () => {
    const d = deps();
    await adoptState(d, record, { fromSelf: true });
    expect(d.table.stateOf('alice').online).toBe(false);
    await adoptState(d, record, { fromSelf: false });
    expect(d.table.stateOf('alice')).toEqual(record);
    expect(d.published).toEqual([[]]);
    expect(d.liveness.size).toBe(1); // gw-1's grace period has started
  });

  it('writes its newer state again when an older record lands after it', async () => {
    const d = deps();
    await recordSocketEvent(d, { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at }, 7);
    await recordSocketEvent(d, { version: 1, kind: 'socket_disconnected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at: '2026-11-25T10:00:05.000Z' }, 8);
    await adoptState(d, record, { fromSelf: false });
    expect(d.published).toEqual([['alice'], ['alice'], ['alice']]);
    expect(d.table.stateOf('alice')).toMatchObject({ online: false, revision: 8 });
  });
});

describe('expireSilentGateways', () => {
  it('closes the sockets of gateways silent longer than the TTL, and forgets them once written', async () => {
    const d = deps();
    const start = Date.parse(at);
    d.liveness.beat('gw-1', start);
    d.table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at }, 1);
    expect(await expireSilentGateways(d, start + 15_000)).toEqual({ expired: [], sockets: 0, failed: [] });
    expect(await expireSilentGateways(d, start + 15_001)).toEqual({ expired: ['gw-1'], sockets: 1, failed: [] });
    expect(d.sent).toMatchObject([{ kind: 'socket_disconnected', userId: 'alice', socketId: 's1', reason: 'gateway silent', at: new Date(start + 15_001).toISOString() }]);
    await d.deliver();
    expect(d.table.stateOf('alice')).toMatchObject({ online: false, lastSeen: new Date(start + 15_001).toISOString() });
  });

  it('keeps a gateway whose closes could not be written, to try again', async () => {
    const d = deps();
    d.liveness.beat('gw-1', 0);
    d.table.connect({ version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', at }, 1);
    const failing = { ...d, sendSocketEvents: async () => Promise.reject(new Error('broker unreachable')) };
    const result = await expireSilentGateways(failing, 20_000);
    expect([result.expired, result.failed.map((f) => f.gatewayId)]).toEqual([[], ['gw-1']]);
    expect(d.liveness.expired(20_000)).toEqual(['gw-1']);
  });
});
