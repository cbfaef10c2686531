import { runMain } from '@notify/runtime';
import { embeddedSettings } from './config';
import { devToken, embeddedModules, welcomeText, withJwtSecret } from './embedded';

let jwtSecret = '';
await runMain({
  service: 'embedded',
  settings: embeddedSettings,
  toProcessConfig: (config) => config,
  modules: (deps, config) => {
    const withSecret = withJwtSecret(config);
    jwtSecret = withSecret.jwtSecret;
    return embeddedModules(deps, withSecret);
  },
  onStarted: (running) => {
    void devToken(jwtSecret, 'alice').then((token) => console.log(welcomeText(running.url, running, token)));
  },
});
