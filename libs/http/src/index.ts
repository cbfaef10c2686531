export * from './errors';
export * from './server';
export * from './auth';
export * from './scopes';
export * from './deadline';
