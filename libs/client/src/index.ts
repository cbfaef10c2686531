export * from './notify-client';
export * from './cursor-store';
export * from './backoff';
export type { ClientNotification, InboxStateName } from '@notify/contracts';
