import { runMain } from '@notify/runtime';
import { gatewaySettings } from './config';
import { createGatewayModule } from './gateway-module';

await runMain({
  service: 'gateway',
  settings: gatewaySettings,
  toProcessConfig: (config) => config,
  modules: (deps, config) => [createGatewayModule(deps, { jwtSecret: config.jwtSecret })],
});
