import { describe, expect, it } from 'vitest';
import { RepeatingTask } from './repeating-task';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RepeatingTask', () => {
  it('runs again after each run ends, never two at once, until stopped; stop waits for the run under way', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const task = new RepeatingTask(async () => {
      runs++;
      most = Math.max(most, ++active);
      await tick(15);
      active--;
      finished++;
    }, 5);
    task.start();
    task.start(); // a second start adds no second loop
    await tick(120);
    await task.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(most).toBe(1);
    // Stopping let the run under way end, and started no other.
    expect(finished).toBe(runs);
    await tick(40);
    expect(runs).toBe(finished);
  });

  it('joins the run under way when asked for one now', async () => {
    let runs = 0;
    let release!: () => void;
    const task = new RepeatingTask(() => {
      runs++;
      return new Promise<void>((resolve) => (release = resolve));
    }, 60_000);
    const first = task.runOnce();
    const second = task.runOnce();
    expect(second).toBe(first);
    release();
    await first;
    // Once it has ended, asking again is a new run.
    const again = task.runOnce();
    expect(again).not.toBe(first);
    release();
    await again;
    expect(runs).toBe(2);
  });
});
