import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetricsRegistry, silentLogger, type Registry } from '@notify/observability';
import { sleep, waitFor } from '@notify/testing';
import { RetentionJob, type RetentionSweep } from './retention-job';

const registry = () => createMetricsRegistry('test', { processMetrics: false });

async function counterValue(metrics: Registry, name: string, collection: string): Promise<number> {
  const values = (await metrics.getSingleMetric(name)!.get()).values;
  return values.find((v) => v.labels.collection === collection)?.value ?? 0;
}

/** A sweep that records when it runs and how many sweeps run at once. */
function tracked(collection: string, removes: number, state: { active: number; most: number; log: string[] }, ms = 0): RetentionSweep {
  return {
    collection,
    sweep: async () => {
      state.active++;
      state.most = Math.max(state.most, state.active);
      state.log.push(collection);
      if (ms > 0) await sleep(ms);
      state.active--;
      return removes;
    },
  };
}

describe('RetentionJob', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every sweep in turn, one at a time, and counts the rows each removed', async () => {
    const metrics = registry();
    const state = { active: 0, most: 0, log: [] as string[] };
    const job = new RetentionJob({ sweeps: [tracked('a', 3, state, 5), tracked('b', 0, state, 5), tracked('c', 7, state, 5)], intervalMs: 60_000, logger: silentLogger(), metrics });
    const run = await job.runOnce();
    expect(state.log).toEqual(['a', 'b', 'c']);
    expect(state.most).toBe(1);
    expect(run.removed).toEqual({ a: 3, b: 0, c: 7 });
    expect(run.failed).toEqual([]);
    await job.runOnce();
    expect(await counterValue(metrics, 'notify_retention_removed_total', 'a')).toBe(6);
    expect(await counterValue(metrics, 'notify_retention_removed_total', 'c')).toBe(14);
    expect(await counterValue(metrics, 'notify_retention_last_success_timestamp_seconds', 'b')).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('keeps going past a failed sweep, counts the failure, and retries it on the next run', async () => {
    const metrics = registry();
    let failing = true;
    const sweeps: RetentionSweep[] = [
      {
        collection: 'flaky',
        sweep: async () => {
          if (failing) throw new Error('server went away');
          return 2;
        },
      },
      { collection: 'steady', sweep: async () => 1 },
    ];
    const job = new RetentionJob({ sweeps, intervalMs: 60_000, logger: silentLogger(), metrics });
    expect(await job.runOnce()).toMatchObject({ removed: { steady: 1 }, failed: ['flaky'] });
    expect(await counterValue(metrics, 'notify_retention_failures_total', 'flaky')).toBe(1);
    failing = false;
    expect(await job.runOnce()).toMatchObject({ removed: { flaky: 2, steady: 1 }, failed: [] });
  });

  it('never overlaps itself: a run asked for while one is under way is that run', async () => {
    const state = { active: 0, most: 0, log: [] as string[] };
    const job = new RetentionJob({ sweeps: [tracked('slow', 1, state, 30)], intervalMs: 60_000, logger: silentLogger(), metrics: registry() });
    const [first, second] = await Promise.all([job.runOnce(), job.runOnce()]);
    expect(first).toBe(second);
    expect(state.log).toEqual(['slow']);
  });

  it('on a schedule: waits the interval after a run ends, so a sweep slower than the interval still never overlaps', async () => {
    const state = { active: 0, most: 0, log: [] as string[] };
    const job = new RetentionJob({ sweeps: [tracked('slow', 1, state, 25)], intervalMs: 5, logger: silentLogger(), metrics: registry() });
    job.start();
    await waitFor('five scheduled runs', () => state.log.length >= 5, { timeoutMs: 5000 });
    await job.stop();
    expect(state.most).toBe(1);
  });

  it('waits a jittered interval: the first run inside the first interval, the next ones at the interval ± the jitter', async () => {
    vi.useFakeTimers();
    const state = { active: 0, most: 0, log: [] as string[] };
    const draws = [0.5, 0, 1];
    const job = new RetentionJob({ sweeps: [tracked('a', 0, state)], intervalMs: 1000, jitter: 0.2, random: () => draws.shift() ?? 0.5, logger: silentLogger(), metrics: registry() });
    job.start();
    await vi.advanceTimersByTimeAsync(499);
    expect(state.log).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.log).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(799); // drew 0: the interval less 20 %
    expect(state.log).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.log).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1199); // drew 1: the interval plus 20 %
    expect(state.log).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.log).toHaveLength(3);
    await job.stop();
  });

  it('stops: the sweep in hand finishes, the rest of the run and every later run are skipped', async () => {
    const state = { active: 0, most: 0, log: [] as string[] };
    let finished = false;
    const sweeps: RetentionSweep[] = [
      {
        collection: 'in-hand',
        sweep: async () => {
          state.log.push('in-hand');
          await sleep(40);
          finished = true;
          return 1;
        },
      },
      tracked('after', 1, state),
    ];
    const job = new RetentionJob({ sweeps, intervalMs: 1, random: () => 0, logger: silentLogger(), metrics: registry() });
    job.start();
    await waitFor('the first sweep to start', () => state.log.length === 1);
    await job.stop();
    expect(finished).toBe(true);
    await sleep(30);
    expect(state.log).toEqual(['in-hand']);
  });
});
