import type { WebhookAttemptResult, WebhookDelivery } from '@notify/store';

/**
 * What the dispatcher knows of one endpoint's pending deliveries, in `seq` order, between reads of the
 * outbox. A finished send updates it (a delivered or parked delivery leaves, a retried one gets its
 * next time), so the next delivery of a chain is found without reading the outbox again after every
 * send. The dispatcher drops it when it may be out of date: new deliveries were written, a poll, or
 * another instance found sending one of them.
 */
export class PendingWindow {
  private readonly known = new Map<string, WebhookDelivery>();
  private afterSeq: string | undefined;
  private pagesRead = 0;
  private readAll = false;

  constructor(
    private readonly readPage: (afterSeq: string | undefined) => Promise<WebhookDelivery[]>,
    private readonly pageSize: number,
  ) {}

  /** Reads the next page of the outbox into the window: the deliveries it added. */
  async readMore(): Promise<WebhookDelivery[]> {
    if (this.readAll) return [];
    const page = await this.readPage(this.afterSeq);
    this.pagesRead++;
    for (const delivery of page) this.known.set(delivery.id, delivery);
    if (page.length < this.pageSize) this.readAll = true;
    else this.afterSeq = page.at(-1)!.seq;
    return page;
  }

  /** The pending deliveries known, in `seq` order. */
  deliveries(): WebhookDelivery[] {
    return [...this.known.values()];
  }

  /** Whether the last read reached the end of the endpoint's pending deliveries. */
  get complete(): boolean {
    return this.readAll;
  }

  get pages(): number {
    return this.pagesRead;
  }

  /** Nothing left in it, but the outbox has more beyond what was read: read it again from the start. */
  get spent(): boolean {
    return this.pagesRead > 0 && this.known.size === 0 && !this.readAll;
  }

  /** What an attempt did to a delivery: gone once delivered or parked, otherwise due again later. */
  settle(id: string, result: WebhookAttemptResult): void {
    const delivery = this.known.get(id);
    if (!delivery) return;
    if (result.state === 'pending') this.known.set(id, { ...delivery, ...result });
    else this.known.delete(id);
  }
}
