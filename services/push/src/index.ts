export * from './config';
export * from './push-module';
export * from './senders/push-sender';
export * from './senders/apns-sender';
export * from './senders/fcm-sender';
