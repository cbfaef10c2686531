import { describe, expect, it } from 'vitest';
import type { Notification } from '@notify/contracts';
import type { Preferences } from '@notify/store';
import { applyOptOuts } from './apply-opt-outs';

const n = (userId: string, extra: Partial<Notification> = {}): Notification => ({
  version: 1,
  notificationId: `e:${userId}`,
  eventId: 'e',
  userId,
  type: 'order.shipped',
  priority: 'transactional',
  category: 'orders',
  content: { data: {} },
  createdAt: '2026-11-25T10:00:00Z',
  fallback: { channel: 'push', afterMs: 30_000 },
  ...extra,
});
const prefs = (optOuts: Preferences['optOuts']): Preferences => ({ userId: 'x', optOuts, timeZone: 'UTC', updatedAt: new Date() });

describe('applyOptOuts', () => {
  const table: Record<string, Preferences> = {
    noPush: prefs([{ category: 'orders', channel: 'push' }]),
    noInapp: prefs([{ category: 'orders', channel: 'inapp' }]),
    nothing: prefs([{ category: 'orders', channel: 'all' }]),
    otherCategory: prefs([{ category: 'offers', channel: 'all' }]),
  };
  const of = (userId: string) => table[userId];

  it('keeps, narrows, reroutes or suppresses each recipient by their opt-outs', () => {
    const result = applyOptOuts('inapp', [n('noPush'), n('noInapp'), n('nothing'), n('otherCategory'), n('stranger')], of);
    const inapp = result.byLane.get('inapp')!;
    expect(inapp.map((x) => x.userId)).toEqual(['noPush', 'otherCategory', 'stranger']);
    expect(inapp[0]!.fallback).toBeUndefined(); // no push fallback for someone who opted out of push
    expect(inapp[1]!.fallback).toBeDefined();
    expect(result.byLane.get('push.transactional')!.map((x) => x.userId)).toEqual(['noInapp']);
    expect(result.suppressed).toEqual([{ notification: expect.objectContaining({ userId: 'nothing' }), reason: 'opted out of orders in-app and push notifications' }]);
  });

  it('suppresses pushes to users who opted out of push for the category', () => {
    const result = applyOptOuts('push.bulk', [n('noPush', { fallback: undefined }), n('noInapp', { fallback: undefined })], of);
    expect(result.byLane.get('push.bulk')!.map((x) => x.userId)).toEqual(['noInapp']);
    expect(result.suppressed[0]!.reason).toBe('opted out of orders push notifications');
  });

  it('leaves notifications without a category alone', () => {
    const result = applyOptOuts('inapp', [n('nothing', { category: undefined })], of);
    expect(result.byLane.get('inapp')).toHaveLength(1);
  });
});
