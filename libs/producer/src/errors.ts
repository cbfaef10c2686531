/**
 * An event the platform would refuse: it breaks the envelope's schema or a size limit. Thrown by
 * `send`/`sendMany` before anything is sent (or when the router refuses an event the schema allows,
 * e.g. an unknown type without a priority). Never retried: sending it again gets the same answer.
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    message: string,
    /** Why, as the router's dead-letter reasons say it: invalid_envelope, no_recipient, too_large, unknown_version, … */
    readonly reason: string,
    /** The event's id, when it had one. */
    readonly eventId?: string,
  ) {
    super(message);
  }
}

/**
 * The platform did not take the events: a refusal that retrying cannot fix (a bad or under-scoped
 * token, an id another token sent), or a failure that outlasted every retry. `retriable` says which.
 */
export class ProducerError extends Error {
  override readonly name = 'ProducerError';
  constructor(
    message: string,
    readonly options: {
      /** The catalogue code the router answered with (NOTIFY_ERR_UNAUTHENTICATED, NOTIFY_ERR_RATE_LIMITED, …). */
      code?: string | undefined;
      /** The HTTP status, for the HTTP transport. */
      status?: number | undefined;
      /** True when the failure was temporary (5xx, 429, a lost connection) and the retries ran out. */
      retriable: boolean;
      /** How many times the batch was tried. */
      attempts?: number | undefined;
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  get code(): string | undefined {
    return this.options.code;
  }

  get status(): number | undefined {
    return this.options.status;
  }

  get retriable(): boolean {
    return this.options.retriable;
  }
}

/** `send` after `close()`. */
export class ProducerClosedError extends Error {
  override readonly name = 'ProducerClosedError';
  constructor() {
    super('the producer is closed');
  }
}
