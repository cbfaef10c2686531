export * from './config';
export * from './gateway-module';
export * from './auth/verify-token';
export * from './drain/drain-plan';
