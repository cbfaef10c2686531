import { describe, expect, it } from 'vitest';
import { SUGGESTED_LADDER, describeAfter, ladderIn, withLadder } from './escalation-ladder';

const definition = { match: { types: ['payment.*'] }, outcome: { priority: 'critical', channels: { mode: 'inapp_then_push', pushAfterMs: 30000 }, ttlSeconds: 3600 } };

describe('escalation ladder in the rule editor', () => {
  it('finds no ladder where there is none, and reads one back as written', () => {
    expect(ladderIn(definition)).toBeNull();
    expect(ladderIn('not a definition')).toBeNull();
    expect(ladderIn(withLadder(definition, SUGGESTED_LADDER))).toEqual(SUGGESTED_LADDER);
  });

  it('sets the ladder, sends in-app only instead of a push fallback, and leaves the rest of the rule alone', () => {
    expect(withLadder(definition, [{ afterMs: 60_000, unless: 'delivered', to: 'push' }])).toEqual({
      match: { types: ['payment.*'] },
      outcome: { priority: 'critical', channels: { mode: 'inapp_only' }, ttlSeconds: 3600, escalation: { steps: [{ afterMs: 60_000, unless: 'delivered', to: 'push' }] } },
    });
    expect(withLadder({ match: {}, outcome: {} }, SUGGESTED_LADDER).outcome).toEqual({ escalation: { steps: SUGGESTED_LADDER } });
  });

  it('removes the ladder and nothing else', () => {
    const laddered = withLadder(definition, SUGGESTED_LADDER);
    expect(withLadder(laddered, null)).toEqual({ match: { types: ['payment.*'] }, outcome: { priority: 'critical', channels: { mode: 'inapp_only' }, ttlSeconds: 3600 } });
  });

  it('says how long a step waits in words', () => {
    expect([describeAfter(5000), describeAfter(120_000), describeAfter(3_600_000), describeAfter(5_400_000)]).toEqual(['5 s', '2 min', '1 h', '1 h 30 min']);
  });
});
