import { runMain } from '@notify/runtime';
import { presenceSettings } from './config';
import { createPresenceModule } from './presence-module';

await runMain({
  service: 'presence',
  settings: presenceSettings,
  toProcessConfig: (config) => config,
  modules: (deps, config) => [createPresenceModule(deps, config)],
});
