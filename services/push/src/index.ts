export * from './config';
export * from './push-module';
export * from './senders/push-sender';
