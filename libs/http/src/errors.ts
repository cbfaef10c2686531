/**
 * Every error an HTTP surface can answer with, defined once: code, status, message.
 * docs/errors.md lists the same catalogue; a test keeps the two in sync.
 */
export const errorCatalogue = {
  NOTIFY_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  NOTIFY_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  NOTIFY_ERR_UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required' },
  NOTIFY_ERR_FORBIDDEN: { status: 403, message: 'This token may not do that' },
  NOTIFY_ERR_NOT_FOUND: { status: 404, message: 'No such resource' },
  NOTIFY_ERR_CONFLICT: { status: 409, message: 'The resource changed since you read it' },
  NOTIFY_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send application/json' },
  NOTIFY_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  NOTIFY_ERR_TOO_MANY_CONNECTIONS: { status: 429, message: 'This user holds as many connections as a gateway allows' },
  NOTIFY_ERR_UNAVAILABLE: { status: 503, message: 'A dependency is unavailable; retry later' },
  NOTIFY_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

/** Thrown by handlers; the server's error handler turns it into `{ error: { code, message, details? } }`. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? errorCatalogue[code].message);
    this.name = 'HttpError';
    this.status = errorCatalogue[code].status;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
