import type { InboxRepository, StateChanges, StateRequest } from '@notify/store';

/**
 * Merges the state writes (acks, seen, read) of every connection that asks within one turn of the
 * event loop into one insert of marks: at 500 acks a second from as many clients, the store takes a
 * few writes a second instead of 500. No timer: a lone ack is written on the next turn.
 */
export class StateWriteBatcher {
  private queued: Array<{ request: StateRequest; resolve: (changes: StateChanges) => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;
  private writing = 0;

  constructor(
    private readonly inbox: Pick<InboxRepository, 'recordStatesMany'>,
    /** Requests per write at most; a turn with more is written in several. */
    private readonly maxRequests = 500,
  ) {}

  recordStates(userId: string, notificationIds: readonly string[], state: StateRequest['state']): Promise<StateChanges> {
    if (notificationIds.length === 0) return Promise.resolve({ moved: [], cleared: 0 });
    const answer = new Promise<StateChanges>((resolve, reject) => this.queued.push({ request: { userId, notificationIds, state }, resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return answer;
  }

  /**
   * Requests queued or being written (a gauge). Bounded without a cap of its own: each is a client
   * request waiting for its answer, at most one per connection's ack batch in flight.
   */
  get waiting(): number {
    return this.queued.length + this.writing;
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, this.maxRequests);
      this.writing += batch.length;
      const done = () => (this.writing -= batch.length);
      this.inbox.recordStatesMany(batch.map((q) => q.request)).then(
        (answers) => {
          done();
          batch.forEach((q, i) => q.resolve(answers[i]!));
        },
        (err: unknown) => {
          done();
          batch.forEach((q) => q.reject(err));
        },
      );
    }
  }
}
