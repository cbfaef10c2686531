import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from '@notify/contracts';
import { RecentEvents } from './recent-events';

const event = (id: string, type: string): NotifyEvent => ({ version: 1, id, type, to: { userId: 'u' }, payload: {}, createdAt: new Date(0).toISOString() });

describe('recent events', () => {
  it('keeps the newest events of each type, and only the types most recently seen', () => {
    const recent = new RecentEvents(2, 2);
    recent.add(event('a1', 'a'));
    recent.add(event('a2', 'a'));
    recent.add(event('a3', 'a'));
    expect(recent.of('a').map((e) => e.id)).toEqual(['a3', 'a2']);
    recent.add(event('b1', 'b'));
    recent.add(event('a4', 'a'));
    recent.add(event('c1', 'c'));
    // b was seen least recently: it made room for c.
    expect(recent.knownTypes()).toEqual(['c', 'a']);
    expect(recent.of('b')).toEqual([]);
    // The same event routed again (a redelivery) is held once.
    recent.add(event('c1', 'c'));
    expect(recent.of('c').map((e) => e.id)).toEqual(['c1']);
  });
});
