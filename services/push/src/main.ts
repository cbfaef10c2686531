import { createTokenVerifier, optionalTokenVerificationOf } from '@notify/http';
import { runMain } from '@notify/runtime';
import { pushSettings } from './config';
import { sendersFromConfig } from './providers';
import { createPushModule, type PushOptions } from './push-module';

let senders: PushOptions['senders'] = {};
await runMain({
  service: 'push',
  settings: pushSettings,
  // Built with the other settings checked, so a half-configured provider, or two ways to check
  // users' tokens at once, stops start-up with their names.
  toProcessConfig: (config) => ((senders = sendersFromConfig(config)), optionalTokenVerificationOf(config), config),
  modules: async (deps, config) => {
    // Apps register their own devices (/v1/me/devices) only when users' JWTs can be checked.
    const verification = optionalTokenVerificationOf(config);
    return [
      createPushModule(deps, {
        ...config,
        verify: verification ? await createTokenVerifier(verification, { acceptedBy: 'the push service' }) : undefined,
        tokens: [...config.intakeTokens, ...config.adminTokens],
        senders,
        retry: { maxAttempts: config.maxAttempts, initialDelayMs: config.retryInitialMs, maxDelayMs: config.retryMaxMs },
      }),
    ];
  },
});
