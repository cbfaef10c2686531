import type { IdempotencyRepository } from '@notify/store';

/** The claims that say which token sent an event over HTTP. */
const SENDER_SCOPE = 'router:event-sender';

/**
 * Which producer token sent each event, so a team reads the status trail of its own events only. The
 * first token to send an id claims it (an insert against the id, no read-then-write); the claim lives
 * as long as the status trail it guards. Events written straight to Kafka have no sender: only admin
 * tokens read their history.
 */
export class EventSenders {
  constructor(
    private readonly claims: IdempotencyRepository,
    private readonly keepMs: number,
  ) {}

  /** Records `sender` as the sender of each id; answers the ids another token had already sent. */
  async record(sender: string, eventIds: readonly string[]): Promise<string[]> {
    const expiresAt = new Date(Date.now() + this.keepMs);
    const outcomes = await this.claims.claimMany(SENDER_SCOPE, eventIds.map((key) => ({ key, expiresAt, holder: sender })));
    return eventIds.filter((_, i) => !outcomes[i]!.claimed);
  }

  /** The token that sent this event over HTTP, or null. */
  senderOf(eventId: string): Promise<string | null> {
    return this.claims.holderOf(SENDER_SCOPE, eventId);
  }
}
