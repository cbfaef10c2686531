import { InvalidEventError, ProducerError } from '../errors';
import type { PreparedEvent } from '../prepare-event';
import { TransportFailure, type BatchOutcome, type Transport } from './transport';

export interface HttpTransportOptions {
  /** The router's base URL, e.g. https://notify.example.com */
  url: string;
  /** A producer token with the events:write scope, or a function that returns one (called per request). */
  token: string | (() => string | Promise<string>);
  /** Longest one request may take before it counts as a failed (retriable) attempt; default 10,000 ms. */
  requestTimeoutMs?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { rejected?: Array<{ index: number; id?: string; reason: string; message: string }>; ids?: string[] } };
}

/** Statuses worth another try: the router or something in front of it was busy or down. */
const RETRIABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * POST /v1/events with `{ "events": [...] }`. The router answers 202 once every event is on its
 * intake topic, and refuses a batch whole (400 naming each bad event, 409 for an id another token
 * sent): the events it named are refused here, and the others sent again.
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const endpoint = `${options.url.replace(/\/+$/, '')}/v1/events`;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    async send(batch: readonly PreparedEvent[]): Promise<BatchOutcome> {
      const token = typeof options.token === 'string' ? options.token : await options.token();
      const body = `{"events":[${batch.map((p) => new TextDecoder().decode(p.bytes)).join(',')}]}`;
      let response: Response;
      try {
        response = await fetchImpl(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new TransportFailure(`POST ${endpoint} failed: ${(err as Error).message}`, true, { cause: err });
      }
      if (response.status === 202) {
        await response.body?.cancel();
        return { ok: true };
      }
      const answer = (await response.json().catch(() => ({}))) as ErrorBody;
      const code = answer.error?.code;
      const message = answer.error?.message ?? `HTTP ${response.status}`;
      const rejected = answer.error?.details?.rejected;
      if (response.status === 400 && rejected?.length) {
        return { ok: false, refused: rejected.map((r) => ({ index: r.index, error: new InvalidEventError(`event ${r.id ?? `#${r.index}`} was refused: ${r.message}`, r.reason, r.id ?? batch[r.index]?.event.id) })) };
      }
      const taken = answer.error?.details?.ids;
      if (response.status === 409 && taken?.length) {
        const ids = new Set(taken);
        return {
          ok: false,
          refused: batch.flatMap((p, index) => (ids.has(p.event.id) ? [{ index, error: new ProducerError(`event ${p.event.id} was already sent by another token: give each event an id of its own`, { code, status: 409, retriable: false }) }] : [])),
        };
      }
      const retryAfterS = Number(response.headers.get('retry-after'));
      throw new TransportFailure(`POST ${endpoint} answered ${response.status}: ${message}`, RETRIABLE_STATUSES.has(response.status), {
        code,
        status: response.status,
        retryAfterMs: retryAfterS > 0 ? retryAfterS * 1000 : undefined,
      });
    },
    async close() {},
  };
}
