export * from './config';
export * from './push-module';
