import { describe, expect, it } from 'vitest';
import type { PresenceState } from './presence';
import { PresenceRevisions } from './presence-revisions';

const at = '2026-11-25T10:00:00.000Z';
const state = (userId: string, online: boolean, revision?: number): PresenceState => ({
  version: 1,
  userId,
  online,
  gateways: online ? [{ gatewayId: 'gw-1', sockets: 1 }] : [],
  devices: online ? 1 : 0,
  lastSeen: at,
  connections: [],
  ...(revision === undefined ? {} : { revision }),
});

describe('PresenceRevisions', () => {
  it('ignores an online record older than the offline one held (a presence instance that lost a race)', () => {
    const revisions = new PresenceRevisions();
    expect(revisions.admit(state('alice', true, 5))).toBe(true);
    expect(revisions.admit(state('alice', false, 9))).toBe(true);
    expect(revisions.admit(state('alice', true, 5))).toBe(false);
    expect(revisions.admit(state('alice', true, 12))).toBe(true);
    expect(revisions.admit(state('alice', false, 9))).toBe(false);
    expect(revisions.onlineCount).toBe(1);
  });

  it('takes the same revision again, and records written before revisions as they come', () => {
    const revisions = new PresenceRevisions();
    expect(revisions.admit(state('bob', true, 3))).toBe(true);
    expect(revisions.admit(state('bob', true, 3))).toBe(true);
    expect(revisions.admit(state('bob', false))).toBe(true);
    expect(revisions.admit(state('bob', true))).toBe(true);
  });

  it('remembers the revisions of the users gone offline last, up to its bound', () => {
    const revisions = new PresenceRevisions(2);
    for (const user of ['a', 'b', 'c']) revisions.admit(state(user, false, 10));
    expect(revisions.offlineCount).toBe(2);
    expect(revisions.admit(state('a', true, 1))).toBe(true); // forgotten: taken
    expect(revisions.admit(state('c', true, 1))).toBe(false);
  });
});
