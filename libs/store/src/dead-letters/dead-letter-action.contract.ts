import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { DeadLetterAction } from './dead-letter-action.types';

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 9, 0, s));
const action = (letterId: string, actionId: string, kind: 'replay' | 'discard', actor: string, s: number): DeadLetterAction => ({ letterId, actionId, action: kind, actor, at: at(s), reason: 'unknown_type', sourceTopic: 'notify.events' });

export function deadLetterActionContract(fixture: StoreFixture): void {
  it('claims a letter once: a second action over it claims only the letters still open', async () => {
    const { deadLetterActions } = fixture.store();
    expect(await deadLetterActions.claim([action('0:1', 'a1', 'replay', 'ann', 1), action('0:2', 'a1', 'replay', 'ann', 1)])).toEqual(['0:1', '0:2']);
    expect(await deadLetterActions.claim([action('0:2', 'a2', 'discard', 'bob', 2), action('0:3', 'a2', 'discard', 'bob', 2)])).toEqual(['0:3']);
    expect(await deadLetterActions.claim([])).toEqual([]);
    const handled = await deadLetterActions.handled(['0:1', '0:2', '0:3', '0:4']);
    expect([...handled.keys()].sort()).toEqual(['0:1', '0:2', '0:3']);
    expect(handled.get('0:2')).toMatchObject({ actionId: 'a1', action: 'replay', actor: 'ann', at: at(1), reason: 'unknown_type', sourceTopic: 'notify.events' });
    expect(handled.get('0:3')).toMatchObject({ action: 'discard', actor: 'bob' });
  });

  it('lists the action log newest first, gives released letters back, and sweeps by age', async () => {
    const { deadLetterActions } = fixture.store();
    await deadLetterActions.claim([action('0:1', 'a1', 'replay', 'ann', 1)]);
    await deadLetterActions.claim([action('0:2', 'a2', 'discard', 'bob', 3)]);
    await deadLetterActions.claim([action('0:3', 'a3', 'replay', 'cy', 5)]);
    expect((await deadLetterActions.recent(2)).map((a) => [a.letterId, a.actor])).toEqual([['0:3', 'cy'], ['0:2', 'bob']]);
    await deadLetterActions.release(['0:3']);
    expect((await deadLetterActions.handled(['0:3'])).size).toBe(0);
    expect(await deadLetterActions.claim([action('0:3', 'a4', 'discard', 'dee', 6)])).toEqual(['0:3']);
    expect(await deadLetterActions.sweepOlderThan(at(3))).toBe(1);
    expect((await deadLetterActions.recent(10)).map((a) => a.letterId)).toEqual(['0:3', '0:2']);
  });
}
