/**
 * Concurrent connections per user on this gateway, socket.io and SSE together. A slot is taken when a
 * connection is admitted (before the feed opens, so a burst of connects cannot slip past the count)
 * and given back once when it closes.
 */
export class UserConnectionLimit {
  private readonly held = new Map<string, number>();

  /** `max`: connections one user may hold here; 0 means no limit. */
  constructor(readonly max: number) {}

  /** Takes a slot for `userId`: its release (safe to call twice), or undefined when the user holds `max` already. */
  reserve(userId: string): (() => void) | undefined {
    const count = this.held.get(userId) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.held.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left <= 0) this.held.delete(userId);
      else this.held.set(userId, left);
    };
  }

  /** Connections `userId` holds here now. */
  of(userId: string): number {
    return this.held.get(userId) ?? 0;
  }
}
