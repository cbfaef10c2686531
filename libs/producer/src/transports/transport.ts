import type { PreparedEvent } from '../prepare-event';

/** What one batch's send came to: all taken, or some events refused for good (the rest to be sent again). */
export type BatchOutcome = { ok: true } | { ok: false; refused: Array<{ index: number; error: Error }> };

/** Carries batches of prepared events to the platform: Kafka's intake topics, or POST /v1/events. */
export interface Transport {
  /** Resolves once every event of the batch is durably on its intake topic; throws TransportFailure otherwise. */
  send(batch: readonly PreparedEvent[]): Promise<BatchOutcome>;
  close(): Promise<void>;
}

/** A failed send, with what it means for a retry. */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly details: { code?: string | undefined; status?: number | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
