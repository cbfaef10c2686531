/**
 * Why the gateway refused or dropped the client: its message, and where the gateway gave one, the
 * catalogue code (`NOTIFY_ERR_RATE_LIMITED`, `NOTIFY_ERR_TOO_MANY_CONNECTIONS`, `NOTIFY_ERR_UNAUTHENTICATED`, …)
 * and how long to wait before trying again.
 */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly retryAfterMs?: number,
    /** The HTTP status, for refusals over HTTP. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** A socket.io connect_error as a NotifyError: the gateway's refusals carry `data.code` (and `data.retryAfterMs`). */
export function fromConnectError(err: Error & { data?: unknown }): NotifyError {
  const data = (err.data ?? {}) as { code?: unknown; retryAfterMs?: unknown };
  return new NotifyError(err.message, typeof data.code === 'string' ? data.code : undefined, typeof data.retryAfterMs === 'number' ? data.retryAfterMs : undefined);
}
