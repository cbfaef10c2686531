import type { NotificationContent, PriorityClass } from '../index';

/** A notification as a client receives it, over socket.io or from the inbox API. */
export interface ClientNotification {
  notificationId: string;
  /** The inbox cursor: resume from the highest seq seen. */
  seq: number;
  type: string;
  priority: PriorityClass;
  category?: string;
  content: NotificationContent;
  createdAt: string;
  state: 'sent' | 'delivered' | 'seen' | 'read' | 'archived';
}

/** Events the gateway emits; shared by the gateway and every client. */
export interface ServerToClientEvents {
  notification: (notification: ClientNotification) => void;
}

/** Events clients send (acks, read receipts) grow here. */
export type ClientToServerEvents = Record<string, never>;

/** What the gateway knows about an authenticated socket. */
export interface SocketData {
  userId: string;
}

/** The room every socket of one user joins: delivery targets the user, not a socket. */
export const userRoom = (userId: string): string => `user:${userId}`;
