import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';

export function topicContract(fixture: StoreFixture): void {
  it('keeps memberships once, pages through them in order, and forgets unsubscribed users', async () => {
    const { topics } = fixture.store();
    for (const userId of ['carol', 'alice', 'bob', 'alice']) await topics.subscribe('followers:42', userId);
    await topics.subscribe('followers:7', 'dave');
    expect(await topics.members('followers:42', { limit: 10 })).toEqual(['alice', 'bob', 'carol']);
    expect(await topics.members('followers:42', { limit: 2 })).toEqual(['alice', 'bob']);
    expect(await topics.members('followers:42', { after: 'bob', limit: 2 })).toEqual(['carol']);
    expect(await topics.unsubscribe('followers:42', 'bob')).toBe(true);
    expect(await topics.unsubscribe('followers:42', 'bob')).toBe(false);
    expect(await topics.members('followers:42', { limit: 10 })).toEqual(['alice', 'carol']);
    expect(await topics.members('nobody', { limit: 10 })).toEqual([]);
  });
}
