/**
 * Lets background consumers (the marketing lane, bookkeeping) use only the CPU that urgent ones
 * leave idle. Every background message waits for a turn, and turns are handed out one per pass of the
 * event loop, each after that pass's timers and I/O. So an urgent fetch that arrives in the middle of
 * a flood waits for at most one background message, not for a whole batch of them: with an in-memory
 * store a handler never waits on I/O, and a batch would otherwise run start to end in one go.
 * The more urgent work a pass carries, the longer it takes, and the fewer background turns a second
 * get through; when urgent work is idle, background work gets the process.
 */
export class BackgroundGate {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** `onQueued` hears the number waiting whenever it changes (a metric). */
  constructor(private readonly onQueued: (waiting: number) => void = () => {}) {}

  /** Resolves when it is this message's turn to start. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.onQueued(this.waiting.length);
      this.schedule();
    });
  }

  /** Messages waiting for a turn (metrics, tests). */
  get queued(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // An immediate scheduled from inside an immediate runs on the next pass, after that pass's I/O.
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()!();
      this.onQueued(this.waiting.length);
      this.schedule();
    });
  }
}
