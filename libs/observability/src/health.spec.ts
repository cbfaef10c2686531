import { describe, expect, it } from 'vitest';
import { runHealthChecks } from './health';

describe('runHealthChecks', () => {
  it('reports each dependency and fails when one fails', async () => {
    const report = await runHealthChecks([
      { name: 'kafka', check: async () => {} },
      { name: 'mongo', check: async () => Promise.reject(new Error('connection refused')) },
    ]);
    expect(report.ok).toBe(false);
    expect(report.checks.kafka?.ok).toBe(true);
    expect(report.checks.mongo).toMatchObject({ ok: false, error: 'connection refused' });
  });

  it('bounds a hung check by the timeout', async () => {
    const report = await runHealthChecks([{ name: 'stuck', check: () => new Promise(() => {}) }], 50);
    expect(report.checks.stuck).toMatchObject({ ok: false, error: 'no answer within 50 ms' });
  });
});
