import type { ServiceDeps, ServiceModule } from '@notify/runtime';
import { registerHttpIntake } from './intake/http-intake';

export interface RouterOptions {
  maxBatchEvents: number;
}

/** The router as a module: HTTP intake now; rules, preferences, digests and lanes consume the intake topics. */
export function createRouterModule(deps: ServiceDeps, options: RouterOptions): ServiceModule {
  registerHttpIntake(deps.http.app, deps.bus, options.maxBatchEvents);
  return {
    name: 'router',
    start: async () => {},
    stop: async () => {},
  };
}
