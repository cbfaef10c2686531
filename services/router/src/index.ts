export * from './config';
export * from './router-module';
export * from './intake/publish-events';
export * from './usecases/plan-delivery';
