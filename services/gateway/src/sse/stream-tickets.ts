import { hkdfSync, randomUUID } from 'node:crypto';
import { EncryptJWT, errors, jwtDecrypt } from 'jose';
import type { IdempotencyRepository } from '@notify/store';

/** How long a ticket may wait before it is used: enough to open the stream, too little to be worth stealing. */
export const STREAM_TICKET_TTL_MS = 30_000;
const AUDIENCE = 'notify:sse';
/** Where used tickets are remembered (the store every gateway shares), so a ticket opens one stream, on any instance. */
const USED_SCOPE = 'sse-ticket';
/** Used tickets are remembered a little past their expiry, for gateways whose clocks differ slightly. */
const USED_MARGIN_MS = 60_000;

/** What a client gets for its token: the ticket to put in the stream's URL, and until when it may be used (epoch ms). */
export interface StreamTicket {
  ticket: string;
  expiresAt: number;
}

/** Whom a redeemed ticket stands for, and when the token it was issued for expires (epoch ms): the stream ends then. */
export interface RedeemedTicket {
  userId: string;
  tokenExpiresAt: number;
}

/** Why a ticket was refused, in words the client developer can act on. */
export class TicketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketError';
  }
}

/**
 * Short-lived, single-use tickets for `GET /v1/stream`, so that a browser's EventSource (which cannot
 * set headers) never puts the user's token in a URL, where access logs and proxies keep it.
 *
 * A ticket is an encrypted JWT (`dir`, A256GCM): opaque to whoever reads the URL (not even the user id
 * shows), and any gateway can open it, because its key is derived (HKDF) from the secret every
 * instance shares, under a label of its own, so it can stand for nothing else. It names the user, the
 * expiry of the token it was issued for, and an id that the shared store remembers once it is used.
 */
export class StreamTickets {
  private readonly key: Uint8Array;

  constructor(
    sharedSecret: string,
    private readonly used: IdempotencyRepository,
    private readonly ttlMs = STREAM_TICKET_TTL_MS,
  ) {
    this.key = new Uint8Array(hkdfSync('sha256', sharedSecret, 'notify-gateway', 'sse-ticket/v1', 32));
  }

  /** A ticket for `userId`, valid for the ticket lifetime or until the token expires, whichever is first. */
  async issue(userId: string, tokenExpiresAt: number): Promise<StreamTicket> {
    const expiresAt = Math.min(Date.now() + this.ttlMs, tokenExpiresAt);
    const ticket = await new EncryptJWT({ tokenExp: tokenExpiresAt })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setSubject(userId)
      .setAudience(AUDIENCE)
      .setJti(randomUUID())
      .setExpirationTime(Math.ceil(expiresAt / 1000))
      .encrypt(this.key);
    return { ticket, expiresAt };
  }

  /** Opens a ticket and marks it used; throws a TicketError if it is not one of ours, expired, or used already. */
  async redeem(ticket: string): Promise<RedeemedTicket> {
    let claims: { sub?: string; jti?: string; exp?: number; tokenExp?: unknown };
    try {
      ({ payload: claims } = await jwtDecrypt(ticket, this.key, { audience: AUDIENCE, requiredClaims: ['sub', 'jti', 'exp'], keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TicketError('ticket expired: get a new one from POST /v1/stream/tickets');
      throw new TicketError('not a valid ticket: get one from POST /v1/stream/tickets');
    }
    if (typeof claims.tokenExp !== 'number') throw new TicketError('not a valid ticket: get one from POST /v1/stream/tickets');
    const firstUse = await this.used.claim(USED_SCOPE, claims.jti!, new Date(claims.exp! * 1000 + USED_MARGIN_MS));
    if (!firstUse) throw new TicketError('ticket already used: get a new one for every stream you open');
    return { userId: claims.sub!, tokenExpiresAt: claims.tokenExp };
  }
}
