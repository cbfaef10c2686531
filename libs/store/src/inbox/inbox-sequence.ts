/** Microseconds since the epoch: 1.8e15 today, within Number.MAX_SAFE_INTEGER until the year 2255. */
const clockSeq = (nowMs: number) => nowMs * 1000;

/**
 * Hands out each user's inbox cursors without reading the database. One consumer at a time holds
 * the partition of deliver.inapp that carries a user, so the process numbering a user's items is
 * the only one doing so, and it remembers the last number it gave.
 *
 * A user it has no number for (the first item since the process started, or one forgotten to keep
 * within the bound) starts from the clock, in microseconds. That is above every number given
 * before, by this process or an earlier holder of the partition, as long as the hosts' clocks
 * agree to within the time a partition takes to change hands and no user gets a million items a
 * second. So a swept item's number is never given again, with nothing to read. The unique
 * (userId, seq) index catches the rest: a number another writer took (two consumers overlapping
 * during a hand-over) fails its insert, and the user starts again from the clock, above it.
 */
export class InboxSequence {
  /** Last number given per user, least recently used first. */
  private readonly last = new Map<string, number>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly maxUsers = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The first number a new item of the user gets. */
  next(userId: string): number {
    const last = this.last.get(userId);
    return last === undefined ? clockSeq(this.now()) : last + 1;
  }

  /** The last number given to the user, if remembered. */
  lastOf(userId: string): number | undefined {
    return this.last.get(userId);
  }

  /** Numbers up to `seq` are used for the user. */
  taken(userId: string, seq: number): void {
    const last = this.last.get(userId);
    this.last.delete(userId);
    this.last.set(userId, last === undefined ? seq : Math.max(last, seq));
    if (this.last.size > this.maxUsers) this.last.delete(this.last.keys().next().value!);
  }

  /** Another writer holds `seq`: the user goes on from the clock, or above `seq` if the clock is not past it. */
  conflict(userId: string, seq: number): void {
    this.last.delete(userId);
    this.taken(userId, Math.max(seq, clockSeq(this.now())));
  }

  /** Users with a remembered number. */
  get size(): number {
    return this.last.size;
  }

  /**
   * Runs `work` once every earlier call for any of these users is done, so one user's items are
   * numbered and written one call after another and become visible in number order.
   */
  exclusive<T>(userIds: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const users = [...new Set(userIds)];
    const before = users.map((u) => this.tails.get(u)).filter((t) => t !== undefined);
    const run = Promise.all(before).then(() => work());
    const tail = run.catch(() => undefined);
    for (const u of users) this.tails.set(u, tail);
    void tail.then(() => {
      for (const u of users) if (this.tails.get(u) === tail) this.tails.delete(u);
    });
    return run;
  }
}
