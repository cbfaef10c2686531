export * from './infra';
export * from './wait';
export * from './service-process';
export * from './balancer';
export * from './tcp-relay';
export * from './kafka-outage';
export * from './packed-package';
export * from './chromium';
