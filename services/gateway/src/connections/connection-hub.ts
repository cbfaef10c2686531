import type { Logger } from '@notify/observability';
import type { InboxRepository } from '@notify/store';
import type { PresencePublisher } from '../presence/presence-publisher';
import type { ClientConnection } from './connection';
import { Feed } from './feed';
import type { LocalConnections } from './local-connections';

export interface ConnectionHubOptions {
  inbox: InboxRepository;
  local: LocalConnections;
  presence: PresencePublisher;
  logger: Logger;
  resyncAfterMs: number;
  stallTimeoutMs: number;
  onSlowClient: (connection: ClientConnection) => void;
}

/**
 * The life of one client connection, whatever its transport: a feed positioned at the client's
 * cursor, presence told, the unread count and everything missed sent, and one more look at the inbox
 * once presence has spread the news (a notification stored meanwhile by a gateway that did not yet
 * know about this connection reaches it then).
 */
export class ConnectionHub {
  constructor(private readonly options: ConnectionHubOptions) {}

  /** `cursor` is the client's last seq; without one the client starts from now (history is the inbox API's). */
  async open(connection: ClientConnection, cursor: number | undefined): Promise<Feed> {
    const { inbox, local } = this.options;
    const start = cursor ?? (await inbox.newestSeq(connection.userId));
    const feed = new Feed(connection, start, { inbox, logger: this.options.logger, stallTimeoutMs: this.options.stallTimeoutMs, onSlowClient: this.options.onSlowClient });
    local.add(feed);
    connection.sendCursor(start);
    this.options.presence.connected(connection);
    try {
      const { count, settled } = await readUnread(inbox, local, connection.userId);
      local.rememberUnread(connection.userId, count);
      connection.sendUnread(count);
      if (!settled) void this.settleUnread(connection.userId);
    } catch (err) {
      // The caller closes the connection; the feed must not stay registered behind it.
      this.close(feed, 'could not read the inbox');
      throw err;
    }
    void feed.catchUp();
    if (this.options.resyncAfterMs > 0) {
      const resync = setTimeout(() => void feed.catchUp(), this.options.resyncAfterMs);
      resync.unref();
    }
    return feed;
  }

  /**
   * The count sent on connect may have missed a notification stored during its last read: it is read
   * again a little later, until a read hears no change, and the exact count goes to the user's
   * connections (the deltas heard meanwhile were applied to a count that may have been short).
   */
  private async settleUnread(userId: string): Promise<void> {
    const { inbox, local, logger } = this.options;
    for (let attempt = 1; attempt <= SETTLE_ATTEMPTS; attempt++) {
      await new Promise((r) => setTimeout(r, SETTLE_PAUSE_MS * attempt).unref());
      const read = await readUnread(inbox, local, userId).catch((err: unknown) => {
        logger.warn({ err, userId }, 'could not read the unread count again');
        return undefined;
      });
      if (read?.settled) return local.sendUnread(userId, read.count);
    }
    logger.warn({ userId, attempts: SETTLE_ATTEMPTS }, 'the unread count kept changing while it was read; the next change to it corrects it');
  }

  close(feed: Feed, reason: string): void {
    feed.close();
    if (this.options.local.remove(feed)) this.options.presence.disconnected(feed.connection, reason);
  }
}

/**
 * The user's unread count for a new connection. Until it is remembered, new notifications cannot be
 * added to it; one stored while the count was being read may be missing from what was read, so the
 * count is read again until no change was heard during a read. After three reads it is given as it
 * is, not settled (see `settleUnread`).
 */
async function readUnread(inbox: InboxRepository, local: LocalConnections, userId: string): Promise<{ count: number; settled: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const heard = local.unreadChangesHeard(userId);
    const count = await inbox.unreadCount(userId);
    const settled = local.unreadChangesHeard(userId) === heard;
    if (settled || attempt === 3) return { count, settled };
  }
}

/** Reads again after 250 ms, 500 ms, …: a burst to the user is over by then. */
const SETTLE_PAUSE_MS = 250;
const SETTLE_ATTEMPTS = 5;
