import type { Message, Producer } from 'kafkajs';

interface PendingSend {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Caps one merged request well under the topics' max.message.bytes (per partition batch) and the broker's request size. */
const MAX_BATCH_BYTES = 512 * 1024;
const MAX_BATCH_MESSAGES = 2000;

/**
 * kafkajs's idempotent producer sends one request per broker at a time, so sends issued while one
 * is in flight would each wait a full round trip. This queue merges them into the next request
 * (as the Java client's batching does), and sends made in the same turn of the event loop share the
 * first one: call order, and so per-partition order, is kept. When a merged request fails, each
 * call is retried alone, so one bad message does not fail its neighbours.
 */
export class SendQueue {
  private pending: PendingSend[] = [];
  private flushing = false;
  private scheduled = false;

  constructor(private readonly producer: Producer) {}

  /**
   * Messages waiting for the next request (for the gauge). Not capped here: every send is a caller
   * awaiting it, so the queue is as long as the publishers in flight (consumers' handlers, HTTP intake).
   */
  get waitingMessages(): number {
    return this.pending.reduce((sum, p) => sum + p.messages.length, 0);
  }

  send(topic: string, messages: Message[]): Promise<void> {
    const bytes = messages.reduce((sum, m) => sum + sizeOf(m.value) + sizeOf(m.key), 0);
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, messages, bytes, resolve, reject });
      if (this.flushing || this.scheduled) return;
      // Wait for the rest of this turn of the event loop: handlers running side by side (and one
      // handler's several publishes) then share the first request too, not only the ones after it.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.sendTogether(batch);
          for (const p of batch) p.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else for (const p of batch) await this.sendTogether([p]).then(p.resolve, p.reject);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private takeBatch(): PendingSend[] {
    let bytes = 0;
    let count = 0;
    let take = 0;
    for (const p of this.pending) {
      if (take > 0 && (bytes + p.bytes > MAX_BATCH_BYTES || count + p.messages.length > MAX_BATCH_MESSAGES)) break;
      bytes += p.bytes;
      count += p.messages.length;
      take++;
    }
    return this.pending.splice(0, take);
  }

  private async sendTogether(batch: PendingSend[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(...p.messages);
      byTopic.set(p.topic, list);
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}

function sizeOf(value: Message['value'] | Message['key']): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
}
