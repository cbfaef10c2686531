/**
 * The store could not finish because of contention or a dependency, and trying again later will
 * work. Named like the bus's transient errors so consumers retry instead of dead-lettering.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}
