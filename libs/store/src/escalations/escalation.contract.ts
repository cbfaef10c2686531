import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { EscalationStep, NewEscalation } from './escalation.types';

const t0 = new Date('2026-12-02T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const LADDER: EscalationStep[] = [
  { afterMs: 60_000, unless: 'read', to: 'push' },
  { afterMs: 600_000, unless: 'read', to: 'webhook' },
];
const options = { limit: 10, leaseMs: 30_000 };

export function escalationContract(fixture: StoreFixture): void {
  const ladder = (n: number, extra: Partial<NewEscalation> = {}): NewEscalation => ({
    notificationId: `e${n}:alice`,
    userId: 'alice',
    lane: 'default',
    partition: 3,
    ruleId: 'urgent',
    steps: LADDER,
    startedAt: t0,
    notification: { version: 1, notificationId: `e${n}:alice`, eventId: `e${n}`, userId: 'alice', type: 'payment.failed', priority: 'critical', content: { title: 'Payment failed', data: { n } }, createdAt: t0.toISOString() },
    ...extra,
  });

  it('starts a ladder once per notification, its first step due afterMs after routing', async () => {
    const { escalations } = fixture.store();
    expect(await escalations.startMany([ladder(1), ladder(2), ladder(1)])).toBe(2);
    expect(await escalations.startMany([ladder(1)])).toBe(0);
    expect(await escalations.get('e1:alice')).toMatchObject({ userId: 'alice', lane: 'default', partition: 3, ruleId: 'urgent', next: 0, dueAt: at(60_000), steps: LADDER, notification: { content: { title: 'Payment failed', data: { n: 1 } } } });
    expect(await escalations.pending()).toBe(2);
    expect(await escalations.get('nothing')).toBeNull();
  });

  it('hands a due step to one claimer only, only for the partitions and lane asked for, earliest first', async () => {
    const { escalations } = fixture.store();
    await escalations.startMany([ladder(1), ladder(2, { startedAt: at(-1000) }), ladder(3, { partition: 4 }), ladder(4, { lane: 'bulk' }), ladder(5, { startedAt: at(1000) })]);
    expect((await escalations.claimDue('default', [3], at(58_999), options)).claimed).toEqual([]);
    const first = await escalations.claimDue('default', [3], at(60_000), options);
    expect(first.claimed.map((e) => e.notificationId)).toEqual(['e2:alice', 'e1:alice']);
    expect(first.found).toBe(2);
    // Claimed and not settled: nobody else gets them while the lease holds.
    const racing = await Promise.all([1, 2, 3].map(() => escalations.claimDue('default', [3, 4], at(61_000), options)));
    expect(racing.flatMap((r) => r.claimed.map((e) => e.notificationId)).sort()).toEqual(['e3:alice', 'e5:alice']);
    expect((await escalations.claimDue('bulk', [3], at(61_000), options)).claimed.map((e) => e.notificationId)).toEqual(['e4:alice']);
    expect((await escalations.claimDue('default', [], at(61_000), options)).found).toBe(0);
  });

  it('gives a step whose claimer died back after the lease, to one claimer', async () => {
    const { escalations } = fixture.store();
    await escalations.startMany([ladder(1)]);
    expect((await escalations.claimDue('default', [3], at(60_000), options)).claimed).toHaveLength(1);
    expect((await escalations.claimDue('default', [3], at(89_999), options)).claimed).toHaveLength(0);
    const after = await Promise.all([1, 2, 3, 4].map(() => escalations.claimDue('default', [3], at(90_000), options)));
    expect(after.flatMap((r) => r.claimed)).toHaveLength(1);
  });

  it('moves to the next step when settled, ends the ladder when told, and ignores a settlement of a step it left', async () => {
    const { escalations } = fixture.store();
    await escalations.startMany([ladder(1), ladder(2)]);
    await escalations.claimDue('default', [3], at(60_000), options);
    await escalations.settle([{ notificationId: 'e1:alice', step: 0, nextDueAt: at(600_000) }, { notificationId: 'e2:alice', step: 0, end: 'read' }], at(60_100));
    expect(await escalations.get('e1:alice')).toMatchObject({ next: 1, dueAt: at(600_000) });
    const ended = await escalations.get('e2:alice');
    expect(ended).toMatchObject({ next: 2, finishedAt: at(60_100), end: 'read' });
    expect(ended!.dueAt).toBeUndefined();
    // A late settlement of step 0 (a claimer that outlived its lease) does not move the ladder back.
    await escalations.settle([{ notificationId: 'e1:alice', step: 0, nextDueAt: at(70_000) }], at(61_000));
    expect(await escalations.get('e1:alice')).toMatchObject({ next: 1, dueAt: at(600_000) });
    // The next step is claimable at its own time, even right after the previous one was claimed.
    expect((await escalations.claimDue('default', [3], at(599_999), options)).claimed).toEqual([]);
    expect((await escalations.claimDue('default', [3], at(600_000), options)).claimed.map((e) => [e.notificationId, e.next])).toEqual([['e1:alice', 1]]);
    await escalations.settle([{ notificationId: 'e1:alice', step: 1, end: 'completed' }], at(600_100));
    expect((await escalations.claimDue('default', [3], at(10_000_000), { ...options, leaseMs: 0 })).found).toBe(0);
    expect(await escalations.pending()).toBe(0);
    // A finished ladder is not started again by a redelivered event.
    expect(await escalations.startMany([ladder(1)])).toBe(0);
    expect(await escalations.get('e1:alice')).toMatchObject({ end: 'completed' });
  });

  it('sweeps finished ladders older than the cutoff, and only those', async () => {
    const { escalations } = fixture.store();
    await escalations.startMany([ladder(1), ladder(2), ladder(3)]);
    await escalations.claimDue('default', [3], at(60_000), options);
    await escalations.settle([{ notificationId: 'e1:alice', step: 0, end: 'read' }], at(60_000));
    await escalations.settle([{ notificationId: 'e2:alice', step: 0, end: 'delivered' }], at(120_000));
    expect(await escalations.sweepFinishedBefore(at(100_000))).toBe(1);
    expect(await escalations.get('e1:alice')).toBeNull();
    expect(await escalations.get('e2:alice')).not.toBeNull();
    expect(await escalations.get('e3:alice')).not.toBeNull();
  });
}
