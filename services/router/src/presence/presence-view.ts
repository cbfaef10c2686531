import type { PresenceState } from '@notify/contracts';

/**
 * This router's local copy of `presence.state` (a compacted topic, read from the beginning on start),
 * so deciding between in-app and push costs a map lookup, not a network round trip per event.
 */
export class PresenceView {
  private readonly online = new Map<string, boolean>();

  apply(state: PresenceState): void {
    // Offline is the default: only online users need an entry.
    if (state.online) this.online.set(state.userId, true);
    else this.online.delete(state.userId);
  }

  /** A user presence has never reported as online counts as offline. */
  isOnline(userId: string): boolean {
    return this.online.get(userId) === true;
  }

  get onlineCount(): number {
    return this.online.size;
  }
}
