export * from './config';
export * from './presence-module';
