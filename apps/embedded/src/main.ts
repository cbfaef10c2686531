import { runMain } from '@notify/runtime';
import { embeddedSettings } from './config';
import { embeddedModules, welcomeText } from './embedded';

await runMain({
  service: 'embedded',
  settings: embeddedSettings,
  toProcessConfig: (config) => config,
  modules: embeddedModules,
  onStarted: (running) => console.log(welcomeText(running.url, running)),
});
