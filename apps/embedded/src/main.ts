import { runMain } from '@notify/runtime';
import { embeddedSettings } from './config';
import { devToken, embeddedModules, welcomeText, withGeneratedSecrets, type ResolvedEmbeddedConfig } from './embedded';

let resolved: ResolvedEmbeddedConfig;
await runMain({
  service: 'embedded',
  settings: embeddedSettings,
  toProcessConfig: (config) => config,
  modules: (deps, config) => embeddedModules(deps, (resolved = withGeneratedSecrets(config))),
  onStarted: (running) => {
    void devToken(resolved.jwtSecret, 'alice').then((token) => console.log(welcomeText(running.url, running, resolved, token)));
  },
});
