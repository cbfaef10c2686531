import { describe, expect, it } from 'vitest';
import { collapseKeyOf } from './collapse-key';

describe('collapseKeyOf', () => {
  it('fills {{payload.<path>}} from the event, one key per ride', () => {
    expect(collapseKeyOf('ride:{{payload.rideId}}', { payload: { rideId: 7731 } })).toBe('ride:7731');
    expect(collapseKeyOf('chat:{{ payload.chat.id }}:{{payload.kind}}', { payload: { chat: { id: 'c9' }, kind: 'typing' } })).toBe('chat:c9:typing');
  });

  it('keeps a fixed key as it is, and no key stays no key', () => {
    expect(collapseKeyOf('balance', { payload: {} })).toBe('balance');
    expect(collapseKeyOf(undefined, { payload: { rideId: 1 } })).toBeUndefined();
  });

  it('gives no key when the payload lacks a value, rather than one key for everything', () => {
    expect(collapseKeyOf('ride:{{payload.rideId}}', { payload: {} })).toBeUndefined();
    expect(collapseKeyOf('ride:{{payload.rideId}}', { payload: { rideId: { nested: true } } })).toBeUndefined();
    expect(collapseKeyOf('ride:{{payload.rideId}}', { payload: { rideId: '' } })).toBeUndefined();
  });

  it('hashes a key over 64 characters to 64', () => {
    const key = collapseKeyOf('ride:{{payload.rideId}}', { payload: { rideId: 'r'.repeat(80) } });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(collapseKeyOf('ride:{{payload.rideId}}', { payload: { rideId: 'r'.repeat(80) } })).toBe(key);
  });
});
