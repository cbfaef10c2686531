export * from './config';
export * from './push-module';
export * from './providers';
export * from './senders/push-sender';
export { ApnsSender, type ApnsSenderOptions } from './senders/apns-sender';
export { FcmSender } from './senders/fcm-sender';
