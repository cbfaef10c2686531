import { runMain } from '@notify/runtime';
import { routerSettings } from './config';
import { createRouterModule } from './router-module';

await runMain({
  service: 'router',
  settings: routerSettings,
  toProcessConfig: (config) => config,
  modules: (deps, config) => [createRouterModule(deps, config)],
});
