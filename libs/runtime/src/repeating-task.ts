/**
 * Runs `work` again and again, `intervalMs` after the end of each run, never two runs at once: the
 * loop behind every sweeper that takes what has fallen due from the store. `work` handles its own
 * errors (a failed sweep is retried by the next one).
 * @example
 * const task = new RepeatingTask(() => sweepDueSteps(), 1_000);
 * task.start();
 * await task.stop(); // lets the run under way finish
 */
export class RepeatingTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** No further run starts; resolves once the one under way (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run now, unless one is under way (then that one). */
  runOnce(): Promise<void> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => {
        if (!this.stopped) this.schedule();
      });
    }, this.intervalMs);
  }
}
