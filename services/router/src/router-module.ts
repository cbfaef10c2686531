import type { Subscription } from '@notify/bus';
import type { ServiceDeps, ServiceModule } from '@notify/runtime';
import { consumeIntake } from './handlers/intake';
import { registerHttpIntake } from './intake/http-intake';

export interface RouterOptions {
  maxBatchEvents: number;
}

/** The router as a module: HTTP intake, and the intake lanes' consumers applying the built-in defaults. */
export function createRouterModule(deps: ServiceDeps, options: RouterOptions): ServiceModule {
  registerHttpIntake(deps.http.app, deps.bus, options.maxBatchEvents);
  let subscriptions: Subscription[] = [];
  return {
    name: 'router',
    start: async () => {
      subscriptions = await consumeIntake(deps.bus);
    },
    stop: async () => {
      await Promise.all(subscriptions.map((s) => s.stop()));
    },
  };
}
