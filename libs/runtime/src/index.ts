export * from './service-module';
export * from './settings';
export * from './process';
export * from './retention-job';
export * from './repeating-task';
