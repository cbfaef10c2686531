import { describe, expect, it } from 'vitest';
import { planExpiryIndex, serverKindOf } from './expiry-indexes';

describe('expiry indexes', () => {
  it('tells FerretDB from MongoDB by its buildInfo', () => {
    expect(serverKindOf({ version: '7.0.42', ferretdbVersion: 'v1.24.0', ok: 1 })).toBe('ferretdb');
    expect(serverKindOf({ version: '7.0.14', gitVersion: 'abc', ok: 1 })).toBe('mongodb');
  });

  const wanted = (expireAfterSeconds: number | null) => ({ collection: 'delivery_log', field: 'at', expireAfterSeconds });
  const idIndex = { name: '_id_', key: { _id: 1 } };

  it('creates the index when the field has none (a compound index starting with it does not count)', () => {
    expect(planExpiryIndex([idIndex, { name: 'notificationId_1_at_1', key: { notificationId: 1, at: 1 } }], wanted(3600))).toEqual({ kind: 'create' });
    expect(planExpiryIndex([idIndex], wanted(null))).toEqual({ kind: 'create' });
  });

  it('keeps an index with the wanted expiry, and any index where a plain one is wanted', () => {
    expect(planExpiryIndex([idIndex, { name: 'at_1', key: { at: 1 }, expireAfterSeconds: 3600 }], wanted(3600))).toEqual({ kind: 'keep' });
    expect(planExpiryIndex([{ name: 'at_1', key: { at: 1 } }], wanted(null))).toEqual({ kind: 'keep' });
    expect(planExpiryIndex([{ name: 'at_1', key: { at: 1 }, expireAfterSeconds: 60 }], wanted(null))).toEqual({ kind: 'keep' });
  });

  it('changes a plain index, or one with another expiry, in place', () => {
    expect(planExpiryIndex([{ name: 'at_1', key: { at: 1 } }], wanted(3600))).toEqual({ kind: 'change', name: 'at_1' });
    expect(planExpiryIndex([{ name: 'custom', key: { at: 1 }, expireAfterSeconds: 60 }], wanted(3600))).toEqual({ kind: 'change', name: 'custom' });
  });
});
