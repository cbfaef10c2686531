import { runMain } from '@notify/runtime';
import { pushSettings } from './config';
import { sendersFromConfig } from './providers';
import { createPushModule, type PushOptions } from './push-module';

let senders: PushOptions['senders'] = {};
await runMain({
  service: 'push',
  settings: pushSettings,
  // Built with the other settings checked, so a half-configured provider stops start-up with its names.
  toProcessConfig: (config) => ((senders = sendersFromConfig(config)), config),
  modules: (deps, config) => [
    createPushModule(deps, {
      ...config,
      tokens: [...config.intakeTokens, ...config.adminTokens],
      senders,
      retry: { maxAttempts: config.maxAttempts, initialDelayMs: config.retryInitialMs, maxDelayMs: config.retryMaxMs },
    }),
  ],
});
