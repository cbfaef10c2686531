import { describe, expect, it } from 'vitest';
import type { PresenceState } from '@notify/contracts';
import { PresenceView } from './presence-view';

const at = '2026-11-25T10:00:00.000Z';
const state = (online: boolean, revision: number): PresenceState => ({
  version: 1,
  userId: 'alice',
  online,
  gateways: online ? [{ gatewayId: 'gw-1', sockets: 1 }] : [],
  devices: online ? 1 : 0,
  lastSeen: at,
  connections: [],
  revision,
});

describe('PresenceView', () => {
  it('does not take a user back online for a record older than the offline one it holds', () => {
    const view = new PresenceView();
    view.apply(state(true, 10));
    view.apply(state(false, 12));
    // Written by a presence instance that had lost the user's partition, and read after the newer one.
    view.apply(state(true, 10));
    expect(view.isOnline('alice')).toBe(false);
    view.apply(state(true, 15));
    expect([view.isOnline('alice'), view.onlineCount]).toEqual([true, 1]);
  });
});
