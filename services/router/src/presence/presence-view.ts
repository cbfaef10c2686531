import { PresenceRevisions, type PresenceState } from '@notify/contracts';

/**
 * This router's local copy of `presence.state` (a compacted topic, read from the beginning on start),
 * so deciding between in-app and push costs a map lookup, not a network round trip per event. A
 * record older than the one held for its user (by revision) is ignored: it cannot bring back online
 * a user presence already took offline.
 */
export class PresenceView {
  private readonly revisions = new PresenceRevisions();

  apply(state: PresenceState): void {
    this.revisions.admit(state);
  }

  /** A user presence has never reported as online counts as offline. */
  isOnline(userId: string): boolean {
    return this.revisions.isOnline(userId);
  }

  get onlineCount(): number {
    return this.revisions.onlineCount;
  }
}
