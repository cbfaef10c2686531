export * from './config';
export * from './webhooks-module';
export { signatureHeaders, newSecret, type SignedHeaders } from './delivery/signing';
export { retryDelay, nextAttemptAt, type WebhookRetryPolicy } from './delivery/backoff';
