import { describe, expect, it } from 'vitest';
import { SUGGESTED_COLLAPSE_KEY, collapseKeyIn, withCollapseKey } from './collapse-key';

describe('a rule’s collapse key in the console', () => {
  const definition = { match: { types: ['ride.eta'] }, outcome: { priority: 'transactional', channels: { mode: 'inapp_then_push' } } };

  it('reads the key of a definition, empty without one', () => {
    expect(collapseKeyIn(definition)).toBe('');
    expect(collapseKeyIn({ ...definition, outcome: { collapseKey: 'ride:{{payload.rideId}}' } })).toBe('ride:{{payload.rideId}}');
    expect(collapseKeyIn('not a definition')).toBe('');
  });

  it('sets and removes the key, leaving the rest of the definition as it was', () => {
    const set = withCollapseKey(definition, SUGGESTED_COLLAPSE_KEY);
    expect(set).toEqual({ ...definition, outcome: { ...definition.outcome, collapseKey: 'ride:{{payload.rideId}}' } });
    expect(withCollapseKey(set, '')).toEqual(definition);
    expect(withCollapseKey({ match: {} }, 'balance')).toEqual({ match: {}, outcome: { collapseKey: 'balance' } });
  });
});
