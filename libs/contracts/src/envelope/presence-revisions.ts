import type { PresenceState } from './presence';

/** Users gone offline whose revision a reader remembers; past this the longest gone are forgotten. */
const OFFLINE_REMEMBERED = 10_000;

/**
 * The newest `presence.state` record per user, for a reader that keeps only some of them (the
 * online users): each record carries the revision of the event it reflects, and a record older than
 * the one held comes from a presence instance that lost a race (a partition handed over) and is
 * ignored. Revisions of users gone offline are kept for the most recent ones only: such a stale
 * record arrives moments after the newer one, and presence writes the newest again when it sees it.
 *
 * @example
 * const revisions = new PresenceRevisions();
 * revisions.admit({ ...offline, revision: 7 }); // true
 * revisions.admit({ ...online, revision: 5 }); // false: written before the user went offline
 */
export class PresenceRevisions {
  private readonly online = new Map<string, number>();
  /** Insertion order is the order users went offline: the first is the first forgotten. */
  private readonly offline = new Map<string, number>();

  constructor(private readonly offlineLimit = OFFLINE_REMEMBERED) {}

  /** True when the record is not older than what is held for its user; it is then the one held. */
  admit(state: PresenceState): boolean {
    const held = this.online.get(state.userId) ?? this.offline.get(state.userId);
    // A record written before revisions existed cannot be ordered: it is taken, as before.
    const revision = state.revision ?? -1;
    if (held !== undefined && state.revision !== undefined && revision < held) return false;
    this.offline.delete(state.userId);
    if (state.online) {
      this.online.set(state.userId, revision);
    } else {
      this.online.delete(state.userId);
      this.offline.set(state.userId, revision);
      if (this.offline.size > this.offlineLimit) this.offline.delete(this.offline.keys().next().value!);
    }
    return true;
  }

  /** Whether the newest record held for the user says online. */
  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  /** Users held as online. */
  get onlineCount(): number {
    return this.online.size;
  }

  /** Users gone offline whose revision is remembered (at most the bound given). */
  get offlineCount(): number {
    return this.offline.size;
  }
}
