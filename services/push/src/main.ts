import { runMain } from '@notify/runtime';
import { pushSettings } from './config';
import { createPushModule } from './push-module';

await runMain({
  service: 'push',
  settings: pushSettings,
  toProcessConfig: (config) => config,
  modules: (deps) => [createPushModule(deps, { tokens: [], senders: {}, transactionalConcurrency: 1, bulkConcurrency: 1, bulkRatePerSecond: 1, retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 } })],
});
