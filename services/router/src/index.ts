export * from './config';
export * from './router-module';
export * from './intake/publish-events';
export * from './usecases/plan-delivery';
export * from './rules/compile';
export * from './rules/defaults';
export * from './rules/rule-definition';
export { decideDelivery, type RecipientFate } from './usecases/decide-delivery';
export * from './send-time/learning';
