import type { NotificationContent, PriorityClass } from '../index';

/** Inbox states a client moves a notification through; each step is a delivery.status event. */
export type InboxStateName = 'sent' | 'delivered' | 'seen' | 'read' | 'archived';

/** A notification as a client receives it, over socket.io, SSE or from the inbox API. */
export interface ClientNotification {
  notificationId: string;
  /** The inbox cursor: strictly increasing per user; resume from the highest seq seen. */
  seq: number;
  type: string;
  priority: PriorityClass;
  category?: string;
  content: NotificationContent;
  createdAt: string;
  state: InboxStateName;
  /** Notifications with the same key replace each other while unread (see `updated`). */
  collapseKey?: string;
  /** The notification this one replaced: the client shows this one in its place. */
  supersedes?: string;
}

/**
 * A notification that replaces one the user has not read (same `collapseKey`): "your driver is 3
 * minutes away" in place of "5 minutes away". It is a notification in its own right (a new id and
 * seq, acknowledged like any other); `supersedes` names the one it replaces, which is gone from the
 * inbox and the unread count.
 */
export type UpdatedNotification = ClientNotification & { supersedes: string };

/**
 * What a client sends in the handshake (`auth`). `cursor` is the highest seq it has: the gateway
 * first sends everything after it, in order, then live notifications. Without a cursor only new
 * notifications are sent (history is the inbox API's job).
 */
export interface HandshakeAuth {
  token: string;
  cursor?: number;
  /** Stable per installation, so presence counts devices rather than sockets. */
  device?: string;
}

/** The answer to every client request: `ok`, or a reason the client developer can act on. */
export type RequestResult<T = Record<string, never>> = ({ ok: true } & T) | { ok: false; error: string };

/** Notification ids a request applies to; at most 500 at a time. */
export interface NotificationIds {
  notificationIds: string[];
}

/** Events the gateway emits; shared by the gateway and every client. */
export interface ServerToClientEvents {
  notification: (notification: ClientNotification) => void;
  /**
   * A notification that replaces an unread one: show it in place of `supersedes` (which the client
   * may not have), move the cursor to its seq and acknowledge it as for `notification`. Sent
   * instead of `notification` for such an item, live and in a catch-up alike.
   */
  updated: (notification: UpdatedNotification) => void;
  /** Where this connection starts; a client that had no cursor keeps it, so a reconnect resumes from here rather than from "now". */
  cursor: (position: { seq: number }) => void;
  /** The user's unread count, whenever it may have changed (on connect, new notification, read or archive anywhere). */
  unread: (update: { count: number }) => void;
  /** A notification changed state on another device (read on the phone → read on the laptop). */
  state: (update: { notificationId: string; state: InboxStateName }) => void;
  /** This gateway is shutting down: reconnect after the given delay (it spreads clients over a window). */
  drain: (advice: { reconnectAfterMs: number }) => void;
  /** The connection's token expired: the gateway closes the connection; reconnect with a fresh token. */
  session_expired: (notice: { reason: string }) => void;
}

/** Requests clients send; each one is answered through the socket.io acknowledgement callback. */
export interface ClientToServerEvents {
  /** Received: `sent` → `delivered`, which cancels the push fallback. */
  ack: (request: NotificationIds, answer: (result: RequestResult<{ updated: number }>) => void) => void;
  /** Shown on screen. */
  seen: (request: NotificationIds, answer: (result: RequestResult<{ updated: number }>) => void) => void;
  /** Read, or every notification read with `{ all: true }`. */
  read: (request: NotificationIds | { all: true }, answer: (result: RequestResult<{ updated: number }>) => void) => void;
  archive: (request: NotificationIds, answer: (result: RequestResult<{ updated: number }>) => void) => void;
}

/** What the gateway knows about an authenticated socket. */
export interface SocketData {
  userId: string;
  device?: string;
  /** When the token the socket connected with expires (epoch ms): the socket is closed then. */
  tokenExpiresAt: number;
  /** Why the server closed the socket, when it did (slow client, draining). */
  closeReason?: string;
}

/** The room every socket of one user joins: delivery targets the user, not a socket. */
export const userRoom = (userId: string): string => `user:${userId}`;
