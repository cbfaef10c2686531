import { runMain } from '@notify/runtime';
import { createTokenVerifier } from './auth/verify-token';
import { gatewaySettings, tokenVerificationOf } from './config';
import { createGatewayModule } from './gateway-module';

await runMain({
  service: 'gateway',
  settings: gatewaySettings,
  // Checked with the other settings, so a gateway without a way to verify tokens never starts.
  toProcessConfig: (config) => (tokenVerificationOf(config), config),
  modules: async (deps, config) => [createGatewayModule(deps, { ...config, verify: await createTokenVerifier(tokenVerificationOf(config)) })],
});
