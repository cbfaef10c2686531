export * from './notify-client';
export * from './cursor-store';
export * from './backoff';
export type { ClientNotification, InboxStateName, UpdatedNotification } from '@notify/contracts';
export * from './local-inbox';
export * from './notify-stream';
export * from './stream-ticket';
export * from './errors';
export * from './devices';
