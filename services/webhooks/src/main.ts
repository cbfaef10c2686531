import { runMain } from '@notify/runtime';
import { webhooksSettings } from './config';
import { createWebhooksModule } from './webhooks-module';

await runMain({
  service: 'webhooks',
  settings: webhooksSettings,
  toProcessConfig: (config) => config,
  modules: (deps, config) => [createWebhooksModule(deps, { ...config, tokens: [...config.intakeTokens, ...config.adminTokens] })],
});
