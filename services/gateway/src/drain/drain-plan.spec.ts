import { describe, expect, it } from 'vitest';
import { planDrain, reconnectAdvice } from './drain-plan';

describe('planDrain', () => {
  it('spreads connections evenly over the window, each once, in random order', () => {
    const connections = Array.from({ length: 500 }, (_, i) => i);
    const plan = planDrain(connections, 10_000);
    expect(plan.map((p) => p.connection).sort((a, b) => a - b)).toEqual(connections);
    expect(Math.min(...plan.map((p) => p.atMs))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...plan.map((p) => p.atMs))).toBeLessThan(10_000);
    // Every tenth of the window gets its tenth of the connections: no thundering herd.
    const perTenth = Array.from({ length: 10 }, (_, tenth) => plan.filter((p) => Math.floor(p.atMs / 1000) === tenth).length);
    expect(perTenth).toEqual(Array.from({ length: 10 }, () => 50));
    expect(plan.slice(0, 20).map((p) => p.connection)).not.toEqual(connections.slice(0, 20));
  });

  it('asks everyone at once when there is no window, and plans nothing for no connections', () => {
    expect(planDrain(['a', 'b'], 0).map((p) => p.atMs)).toEqual([0, 0]);
    expect(planDrain([], 5000)).toEqual([]);
  });

  it('advises a short jittered reconnect delay', () => {
    expect(reconnectAdvice(() => 0.5, 1000)).toBe(500);
    expect(reconnectAdvice(() => 0.999, 1000)).toBeLessThan(1000);
  });
});
