import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import { RevisionConflictError, RuleExistsError, RuleNotFoundError } from './rule.types';

export function ruleContract(fixture: StoreFixture): void {
  const otp = { ruleId: 'otp', name: 'OTP is critical', order: 10, definition: { match: { type: 'auth.otp' }, priority: 'critical' } };

  it('creates, lists by order, updates and deletes', async () => {
    const { rules } = fixture.store();
    await rules.create({ ruleId: 'offers', name: 'Offers batched', order: 50, definition: { match: { category: 'offers' } } }, 'ops@a');
    const created = await rules.create(otp, 'ops@a');
    expect(created).toMatchObject({ ruleId: 'otp', revision: 1, enabled: true, updatedBy: 'ops@a' });
    expect((await rules.list()).map((r) => r.ruleId)).toEqual(['otp', 'offers']);
    const updated = await rules.update('otp', { enabled: false }, 'ops@b');
    expect(updated).toMatchObject({ revision: 2, enabled: false, name: 'OTP is critical', updatedBy: 'ops@b' });
    expect(await rules.get('otp')).toEqual(updated);
    await rules.delete('otp', 'ops@c');
    expect(await rules.get('otp')).toBeNull();
    expect((await rules.list()).map((r) => r.ruleId)).toEqual(['offers']);
    await expect(rules.update('otp', { enabled: true }, 'x')).rejects.toBeInstanceOf(RuleNotFoundError);
    await expect(rules.create({ ...otp, ruleId: 'offers' }, 'x')).rejects.toBeInstanceOf(RuleExistsError);
  });

  it('refuses a change based on a stale revision, and lets exactly one of two racing writers win', async () => {
    const { rules } = fixture.store();
    await rules.create(otp, 'ops');
    await rules.update('otp', { order: 5 }, 'ops', 1);
    await expect(rules.update('otp', { order: 6 }, 'ops', 1)).rejects.toBeInstanceOf(RevisionConflictError);
    const race = await Promise.allSettled([rules.update('otp', { name: 'A' }, 'a', 2), rules.update('otp', { name: 'B' }, 'b', 2)]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await rules.get('otp'))?.revision).toBe(3);
  });

  it('keeps who changed what and when, and rolls back, also a deleted rule', async () => {
    const { rules } = fixture.store();
    await rules.create(otp, 'ops@a');
    await rules.update('otp', { definition: { match: { type: 'auth.*' }, priority: 'transactional' } }, 'ops@b');
    await rules.delete('otp', 'ops@c');
    const history = await rules.history('otp');
    expect(history.map((v) => [v.revision, v.action, v.actor])).toEqual([
      [1, 'created', 'ops@a'],
      [2, 'updated', 'ops@b'],
      [3, 'deleted', 'ops@c'],
    ]);
    expect(history[2]!.snapshot).toBeNull();
    expect(history[0]!.at).toBeInstanceOf(Date);
    const restored = await rules.rollback('otp', 1, 'ops@d');
    expect(restored).toMatchObject({ revision: 4, definition: otp.definition, updatedBy: 'ops@d' });
    expect(await rules.get('otp')).toEqual(restored);
    expect((await rules.list()).map((r) => r.ruleId)).toEqual(['otp']);
    expect((await rules.history('otp')).at(-1)).toMatchObject({ revision: 4, action: 'rolled_back' });
    await expect(rules.rollback('otp', 3, 'x')).rejects.toBeInstanceOf(RuleNotFoundError);
  });

  it('names a rule created without an id, with defaults for the optional fields', async () => {
    const { rules } = fixture.store();
    const rule = await rules.create({ name: 'Quiet news', definition: { match: { category: 'news' } } }, 'ops');
    expect(rule.ruleId).toEqual(expect.any(String));
    expect(rule).toMatchObject({ enabled: true, revision: 1, createdAt: expect.any(Date) });
    expect(await rules.get(rule.ruleId)).toEqual(rule);
    expect(await rules.history('unknown')).toEqual([]);
  });

  it('lets one of many writers holding the same revision win, and lists what it returns', async () => {
    const { rules } = fixture.store();
    await rules.create(otp, 'ops');
    const race = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => rules.update('otp', { name: `by ${i}` }, `ops${i}`, 1)));
    const won = race.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof rules.update>>> => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof RevisionConflictError)).toBe(true);
    expect(await rules.get('otp')).toEqual(won[0]!.value);
    expect(await rules.list()).toEqual([won[0]!.value]);
    expect((await rules.history('otp')).map((v) => v.revision)).toEqual([1, 2]);
  });

  it('applies every change of writers that do not name a revision, one revision each', async () => {
    const { rules } = fixture.store();
    await rules.create(otp, 'ops');
    await Promise.all(Array.from({ length: 5 }, (_, i) => rules.update('otp', { order: i }, `ops${i}`)));
    const history = await rules.history('otp');
    expect(history.map((v) => v.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await rules.list())[0]).toEqual(history[5]!.snapshot);
    expect(await rules.get('otp')).toEqual(history[5]!.snapshot);
  });

  it('refuses to roll back to a revision that never existed, or a rule it never had', async () => {
    const { rules } = fixture.store();
    await rules.create(otp, 'ops');
    await expect(rules.rollback('otp', 7, 'ops')).rejects.toBeInstanceOf(RuleNotFoundError);
    await expect(rules.rollback('nope', 1, 'ops')).rejects.toBeInstanceOf(RuleNotFoundError);
    await expect(rules.delete('nope', 'ops')).rejects.toBeInstanceOf(RuleNotFoundError);
    expect((await rules.history('otp')).map((v) => v.revision)).toEqual([1]);
  });
}
