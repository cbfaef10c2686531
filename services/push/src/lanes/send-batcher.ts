import type { PushMessage, PushSender, SendOutcome } from '../senders/push-sender';

/**
 * Merges the sends of concurrent handlers into one provider call (FCM's `sendEach` takes up to 500
 * messages, over one HTTP/2 session instead of one per call), flushing when `maxBatch` is reached or
 * after `lingerMs` (0: on the next turn of the event loop, so nothing waits for a timer). Each caller
 * gets the outcomes of its own messages. Batches are as large as the lane's concurrency allows: the
 * lane's handlers each wait for their own outcome before their offset is committed.
 */
export class SendBatcher implements PushSender {
  readonly provider: PushSender['provider'];
  private queued: Array<{ message: PushMessage; resolve: (outcome: SendOutcome) => void }> = [];
  private cancelFlush: (() => void) | undefined;
  private batches = 0;
  private largest = 0;
  private sending = 0;

  constructor(
    private readonly sender: PushSender,
    private readonly maxBatch = 500,
    private readonly lingerMs = 5,
    private readonly onBatch: (size: number) => void = () => {},
  ) {
    this.provider = sender.provider;
  }

  send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    const outcomes = messages.map((message) => new Promise<SendOutcome>((resolve) => this.queued.push({ message, resolve })));
    if (this.queued.length >= this.maxBatch) this.flush();
    else this.cancelFlush ??= this.scheduleFlush();
    return Promise.all(outcomes);
  }

  /**
   * Messages queued or at the provider (for the gauge). Bounded without a cap of its own: every
   * caller is a lane handler waiting for its outcome, so at most the lane's concurrency are here.
   */
  get waiting(): number {
    return this.queued.length + this.sending;
  }

  /** How many provider calls were made and the largest one, for metrics and tests. */
  get stats(): { batches: number; largest: number } {
    return { batches: this.batches, largest: this.largest };
  }

  async close(): Promise<void> {
    this.flush();
  }

  private scheduleFlush(): () => void {
    if (this.lingerMs > 0) {
      const timer = setTimeout(() => this.flush(), this.lingerMs);
      return () => clearTimeout(timer);
    }
    const immediate = setImmediate(() => this.flush());
    return () => clearImmediate(immediate);
  }

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, this.maxBatch);
      this.batches++;
      this.largest = Math.max(this.largest, batch.length);
      this.onBatch(batch.length);
      this.sending += batch.length;
      this.sender
        .send(batch.map((b) => b.message))
        .then(
          (outcomes) => batch.forEach((b, i) => b.resolve(outcomes[i] ?? { status: 'failed', reason: 'the sender gave no answer' })),
          (err: Error) => batch.forEach((b) => b.resolve({ status: 'retry', reason: `send failed: ${err.message}` })),
        )
        .finally(() => {
          this.sending -= batch.length;
        });
    }
  }
}
