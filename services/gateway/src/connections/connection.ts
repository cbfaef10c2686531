import type { ClientNotification, InboxStateName } from '@notify/contracts';

export type Transport = 'websocket' | 'polling' | 'sse';

/**
 * One live client connection, whatever carries it (a socket.io socket or an SSE stream).
 * The feed decides what to send; the connection only knows how to write and how far behind it is.
 */
export interface ClientConnection {
  readonly id: string;
  readonly userId: string;
  readonly device?: string | undefined;
  readonly transport: () => Transport;
  /** What is waiting to be written to this client, in the unit of `backlogLimit`. */
  backlog(): number;
  readonly backlogLimit: number;
  /** Resolves true once the backlog is below its limit again, false if that takes longer than `timeoutMs` or the connection closes. */
  whenDrained(timeoutMs: number): Promise<boolean>;
  sendNotification(notification: ClientNotification): void;
  /** The position the connection starts from, before anything else is sent. */
  sendCursor(seq: number): void;
  sendUnread(count: number): void;
  sendState(update: { notificationId: string; state: InboxStateName }): void;
  /** Asks the client to come back in `reconnectAfterMs`, then closes. */
  drain(reconnectAfterMs: number): void;
  close(reason: string): void;
}
