import { describe, expect, it } from 'vitest';
import type { PresenceState } from '@notify/contracts';
import { GatewayDirectory } from './gateway-directory';

const at = '2026-11-25T10:00:00.000Z';
const state = (gateways: string[], revision: number): PresenceState => ({
  version: 1,
  userId: 'alice',
  online: gateways.length > 0,
  gateways: gateways.map((gatewayId) => ({ gatewayId, sockets: 1 })),
  devices: gateways.length,
  lastSeen: at,
  connections: [],
  revision,
});

describe('GatewayDirectory', () => {
  it('keeps the newest presence record of a user: an older one read after it does not send relays to a gateway the user left', () => {
    const directory = new GatewayDirectory(() => null);
    directory.applyState(state(['gw-1', 'gw-2'], 4));
    directory.applyState(state(['gw-2'], 6));
    directory.applyState(state(['gw-1', 'gw-2'], 4));
    expect(directory.remoteGatewaysOf('alice', 'gw-3').map((g) => g.gatewayId)).toEqual(['gw-2']);
    directory.applyState(state([], 7));
    directory.applyState(state(['gw-2'], 6));
    expect(directory.remoteGatewaysOf('alice', 'gw-3')).toEqual([]);
  });
});
