import { describe, expect, it } from 'vitest';
import { ruleDiff } from './rule-diff';

const base = { name: 'Shipping', enabled: true, order: 10, definition: { match: { types: ['order.shipped'] }, outcome: { priority: 'normal' } } };

describe('rule diff', () => {
  it('marks the lines a save would change, and nothing when nothing changed', () => {
    expect(ruleDiff(base, base).every((l) => l.kind === 'same')).toBe(true);
    const lines = ruleDiff(base, { ...base, enabled: false, definition: { ...base.definition, outcome: { priority: 'critical' } } });
    expect(lines.filter((l) => l.kind !== 'same')).toEqual([
      { kind: 'removed', text: '  "enabled": true,' },
      { kind: 'added', text: '  "enabled": false,' },
      { kind: 'removed', text: '      "priority": "normal"' },
      { kind: 'added', text: '      "priority": "critical"' },
    ]);
  });

  it('shows a new rule as all added', () => {
    const lines = ruleDiff(null, base);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((l) => l.kind === 'added')).toBe(true);
  });
});
