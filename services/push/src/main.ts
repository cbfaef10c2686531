import { runMain } from '@notify/runtime';
import { pushSettings } from './config';
import { createPushModule } from './push-module';

await runMain({
  service: 'push',
  settings: pushSettings,
  toProcessConfig: (config) => config,
  modules: (deps) => [createPushModule(deps)],
});
