import type { ServiceDeps, ServiceModule } from '@notify/runtime';

/** The presence service as a module of a process; its consumers and routes are registered here. */
export function createPresenceModule(_deps: ServiceDeps): ServiceModule {
  return {
    name: 'presence',
    start: async () => {},
    stop: async () => {},
  };
}
