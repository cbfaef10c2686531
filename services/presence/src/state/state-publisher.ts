import type { PresenceState } from '@notify/contracts';
import type { PresenceTable } from './presence-table';

/** Kafka header naming the presence instance that wrote a `presence.state` record, so it can skip its own echoes. */
export const WRITER_HEADER = 'presence-writer';

/**
 * Publishes users' current state. A user whose state could not be written stays pending and goes out
 * with the next publish, because a retried event is then a no-op and would not publish it again.
 */
export class StatePublisher {
  /** userId → the attempt that failed to write it. */
  private readonly pending = new Map<string, number>();
  private attempts = 0;

  constructor(
    private readonly table: Pick<PresenceTable, 'stateOf'>,
    private readonly send: (states: PresenceState[]) => Promise<void>,
  ) {}

  /** Writes the current state of these users and of every pending one; rejects when the write failed. */
  async publish(userIds: Iterable<string>): Promise<number> {
    const users = new Set([...userIds, ...this.pending.keys()]);
    if (users.size === 0) return 0;
    const attempt = ++this.attempts;
    // Snapshots are taken now, synchronously after the change, so writes leave in the order changes happened.
    const states = [...users].map((userId) => this.table.stateOf(userId));
    try {
      await this.send(states);
    } catch (err) {
      for (const userId of users) this.pending.set(userId, attempt);
      throw err;
    }
    // A later attempt that failed still owes its users.
    for (const userId of users) if ((this.pending.get(userId) ?? 0) < attempt) this.pending.delete(userId);
    return states.length;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
