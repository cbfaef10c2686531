import { describe, expect, it } from 'vitest';
import { HandOverGate } from './hand-over-gate';

describe('HandOverGate', () => {
  it('holds events back until the state is caught up, once per assignment', async () => {
    const catchUps: Array<() => void> = [];
    const gate = new HandOverGate(() => new Promise<void>((resolve) => catchUps.push(resolve)));
    let admitted = 0;
    const first = gate.admit().then(() => admitted++);
    const second = gate.admit().then(() => admitted++);
    await new Promise((r) => setTimeout(r, 10));
    expect([admitted, catchUps.length]).toEqual([0, 1]);
    catchUps[0]!();
    await Promise.all([first, second]);
    expect(admitted).toBe(2);
    await gate.admit(); // no rebalance since: at once
    expect(catchUps.length).toBe(1);

    gate.reset();
    const third = gate.admit();
    expect(catchUps.length).toBe(2);
    catchUps[1]!();
    await third;
    expect(gate.count).toBe(2);
  });

  it('tries again after a failed catch-up', async () => {
    let calls = 0;
    const gate = new HandOverGate(async () => {
      if (++calls === 1) throw new Error('broker unreachable');
    });
    await expect(gate.admit()).rejects.toThrow('broker unreachable');
    await new Promise((r) => setTimeout(r, 0));
    await gate.admit();
    expect(calls).toBe(2);
  });
});
