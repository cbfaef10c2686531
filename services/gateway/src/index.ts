export * from './config';
export * from './gateway-module';
export * from './socket/authenticate';
export * from './usecases/deliver-notification';
