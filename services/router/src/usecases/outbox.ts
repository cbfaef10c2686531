import type { Bus, PublishLane } from '@notify/bus';
import type { TopicSpec } from '@notify/contracts';

/**
 * What routing a batch writes, collected and then written with one publish per topic, so a batch of
 * 500 events costs a handful of produce requests instead of a thousand. Messages keep the order they
 * were added in, so one user's notifications stay in order on their partition.
 */
export class Outbox {
  private readonly pending = new Map<TopicSpec<unknown>, unknown[]>();

  constructor(
    private readonly bus: Bus,
    private readonly lane: PublishLane,
  ) {}

  add<T>(topic: TopicSpec<T>, ...values: T[]): void {
    if (values.length === 0) return;
    const list = this.pending.get(topic as TopicSpec<unknown>);
    if (list) list.push(...values);
    else this.pending.set(topic as TopicSpec<unknown>, [...values]);
  }

  /** Writes everything collected, each topic side by side with the others. */
  async flush(): Promise<void> {
    const batches = [...this.pending];
    this.pending.clear();
    await Promise.all(batches.map(([topic, values]) => this.bus.publish(topic, values.map((value) => ({ value })), { lane: this.lane })));
  }
}
