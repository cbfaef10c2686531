import type { Logger } from '@notify/observability';
import type { InboxItem, InboxRepository } from '@notify/store';
import type { ClientConnection } from './connection';
import { toFeedNotification, type FeedNotification, type HandedEvent } from './client-notification';

const CATCH_UP_PAGE = 200;
/** Notifications a feed remembers handing its connection, with their events: the most recent ones. */
const REMEMBERED = 128;

export interface FeedOptions {
  inbox: InboxRepository;
  logger: Logger;
  /** Notifications waiting for their turn; beyond this the feed stops queueing and reads the inbox instead. */
  maxQueued?: number;
  /** How long a client may take to accept more before it is let go as too slow. */
  stallTimeoutMs?: number;
  now?: () => Date;
  onSlowClient?: (connection: ClientConnection) => void;
}

/**
 * Sends one connection its user's notifications in inbox order, each once. `cursor` is the last seq
 * the client has: a notification right after it (seq + 1, or one whose previous item the client
 * has) is sent as is; anything further ahead means a gap
 * (missed while connecting, stored by a gateway that did not know of us yet, coalesced under load),
 * which is filled from the inbox first. So whatever path a notification takes, the client sees
 * every seq after its cursor, in order, once.
 */
export class Feed {
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private catchUpQueued = false;
  private closed = false;
  /** notificationId → the event of what this connection was handed last: its acks need no inbox read. */
  private readonly handed = new Map<string, HandedEvent>();

  constructor(
    readonly connection: ClientConnection,
    private cursor: number,
    private readonly options: FeedOptions,
  ) {}

  get position(): number {
    return this.cursor;
  }

  /** The events of those of these notifications this connection was handed recently: they are its user's. */
  handedEvents(notificationIds: readonly string[]): Map<string, HandedEvent> {
    const known = new Map<string, HandedEvent>();
    for (const id of notificationIds) {
      const event = this.handed.get(id);
      if (event !== undefined) known.set(id, event);
    }
    return known;
  }

  /** A live notification for this connection's user. */
  offer(notification: FeedNotification): void {
    if (this.closed || notification.seq <= this.cursor) return;
    if (this.queued >= (this.options.maxQueued ?? 64)) {
      // Coalesce: one inbox read later covers everything skipped here.
      this.catchUp();
      return;
    }
    this.enqueue(() => this.deliver(notification));
  }

  /** Sends everything after the cursor that the inbox holds (on connect, on resync, after coalescing). */
  catchUp(): Promise<void> {
    if (this.catchUpQueued) return this.queue;
    this.catchUpQueued = true;
    return this.enqueue(async () => {
      this.catchUpQueued = false;
      await this.readInbox();
    });
  }

  /** Waits for everything queued so far. */
  idle(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.closed = true;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queued++;
    this.queue = this.queue
      .then(() => (this.closed ? undefined : step()))
      .catch((err: unknown) => this.options.logger.warn({ err, userId: this.connection.userId, connection: this.connection.id }, 'feed step failed; the next notification or reconnect catches up'))
      .finally(() => {
        this.queued--;
      });
    return this.queue;
  }

  private async deliver(notification: FeedNotification): Promise<void> {
    if (notification.seq <= this.cursor) return;
    const follows = notification.previousSeq === undefined ? notification.seq === this.cursor + 1 : notification.previousSeq <= this.cursor;
    if (follows) {
      await this.send(notification);
      return;
    }
    await this.readInbox(notification.seq);
  }

  /** Reads after the cursor until the inbox has nothing more (or, when filling a gap, until `through` is covered). */
  private async readInbox(through = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      const items = await this.options.inbox.listAfter(this.connection.userId, this.cursor, CATCH_UP_PAGE);
      const now = this.options.now?.() ?? new Date();
      for (const item of items) {
        if (this.closed) return;
        if (isExpired(item, now)) this.cursor = Math.max(this.cursor, item.seq);
        else await this.send(toFeedNotification(item));
      }
      if (items.length < CATCH_UP_PAGE || this.cursor >= through) return;
    }
  }

  /**
   * Writes only while the connection's backlog is under its limit, so a catch-up of thousands goes out
   * at the client's pace. A client that accepts nothing for `stallTimeoutMs` is let go: memory stays
   * bounded, and it resumes from its cursor when it is ready.
   */
  private async send({ eventId, previousSeq: _previous, ...notification }: FeedNotification): Promise<void> {
    if (this.connection.backlog() >= this.connection.backlogLimit && !(await this.connection.whenDrained(this.options.stallTimeoutMs ?? 10_000))) {
      if (this.closed) return;
      this.closed = true;
      this.options.onSlowClient?.(this.connection);
      this.connection.close('slow client: too far behind, reconnect and resume from your cursor');
      return;
    }
    if (this.closed) return;
    this.connection.sendNotification(notification);
    this.cursor = notification.seq;
    if (eventId !== undefined) this.remember(notification.notificationId, { eventId, eventType: notification.type });
  }

  private remember(notificationId: string, event: HandedEvent): void {
    this.handed.set(notificationId, event);
    if (this.handed.size > REMEMBERED) this.handed.delete(this.handed.keys().next().value!);
  }
}

const isExpired = (item: InboxItem, now: Date) => item.expiresAt !== undefined && item.expiresAt <= now;
