import { describe, expect, it } from 'vitest';
import type { Notification } from '@notify/contracts';
import { applyPresence } from './apply-presence';
import { PresenceView } from './presence-view';

const n = (userId: string, fallback = true): Notification => ({
  version: 1,
  notificationId: `e:${userId}`,
  eventId: 'e',
  userId,
  type: 'chat.message',
  priority: 'transactional',
  content: { data: {} },
  createdAt: '2026-11-25T10:00:00Z',
  ...(fallback ? { fallback: { channel: 'push' as const, afterMs: 30_000 } } : {}),
});

describe('presence-aware delivery', () => {
  it('pushes at once to offline users and keeps their in-app copy for later; online users get the socket first', () => {
    const view = new PresenceView();
    const at = '2026-11-25T10:00:00Z';
    view.apply({ version: 1, userId: 'alice', online: true, gateways: [{ gatewayId: 'g1', sockets: 1 }], devices: 1, since: at, lastSeen: at, connections: [] });
    view.apply({ version: 1, userId: 'bob', online: true, gateways: [{ gatewayId: 'g1', sockets: 1 }], devices: 1, since: at, lastSeen: at, connections: [] });
    view.apply({ version: 1, userId: 'bob', online: false, gateways: [], devices: 0, lastSeen: at, connections: [] });
    expect(view.onlineCount).toBe(1);

    const lanes = applyPresence(new Map([['inapp', [n('alice'), n('bob'), n('carol'), n('dave', false)]]]), (u) => view.isOnline(u));
    expect(lanes.get('inapp')!.map((x) => [x.userId, Boolean(x.fallback)])).toEqual([
      ['alice', true],
      ['bob', false],
      ['carol', false],
      ['dave', false],
    ]);
    expect(lanes.get('push.transactional')!.map((x) => x.userId)).toEqual(['bob', 'carol']);
  });
});
