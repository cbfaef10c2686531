export * from './config';
export * from './router-module';
export * from './intake/publish-events';
