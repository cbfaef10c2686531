import type { Messaging } from 'firebase-admin/messaging';
import { retryAfterMs } from './retry-after';

/** An FCM error response that carried a `retry-after`. */
export interface HeardRetryAfter {
  status: number;
  retryAfterMs: number;
  /** The registration token the request was for. */
  token?: string;
}

interface HttpClientLike {
  send(config: { data?: unknown }): Promise<unknown>;
}

/**
 * firebase-admin 13 reads FCM's `retry-after` (it honours it when it retries a 503 itself) but drops
 * it from what it reports: a 429, or a 5xx it gave up on, comes back as a code and a message only.
 * Its errors have no `httpResponse`, and the app's `httpAgent` serves HTTP/1.1 only, never the
 * HTTP/2 sessions of `sendEach`. The response does reach its HTTP clients, so this wraps `send` on
 * the two clients of this one `Messaging` (HTTP/2 for `sendEach`, HTTP/1.1 for `send` and the legacy
 * transport) and reports each error response's `retry-after`. Per instance, never process-wide.
 *
 * Answers false, and wraps nothing, when the clients are not where firebase-admin 13 keeps them
 * (a later version): the caller then falls back to its own floor.
 * @example listenForRetryAfter(getMessaging(app), ({ status, retryAfterMs }) => console.log(status, retryAfterMs));
 */
export function listenForRetryAfter(messaging: Messaging, listener: (heard: HeardRetryAfter) => void): boolean {
  const handler = (messaging as unknown as { messagingRequestHandler?: { httpClient?: unknown; http2Client?: unknown } }).messagingRequestHandler;
  const clients = [handler?.http2Client, handler?.httpClient].filter((c): c is HttpClientLike => typeof (c as HttpClientLike | undefined)?.send === 'function');
  if (clients.length === 0) return false;
  for (const client of clients) {
    const send = client.send.bind(client);
    client.send = (config) =>
      send(config).catch((err: unknown) => {
        const response = (err as { response?: { status?: number; headers?: Record<string, string | string[] | undefined> } }).response;
        const waitMs = retryAfterMs(response?.headers?.['retry-after']);
        if (response?.status !== undefined && waitMs !== undefined) {
          const token = (config.data as { message?: { token?: unknown } } | undefined)?.message?.token;
          listener({ status: response.status, retryAfterMs: waitMs, ...(typeof token === 'string' ? { token } : {}) });
        }
        throw err;
      });
  }
  return true;
}
