import type { ServiceDeps, ServiceModule } from '@notify/runtime';

/** The push service as a module of a process; its consumers and routes are registered here. */
export function createPushModule(_deps: ServiceDeps): ServiceModule {
  return {
    name: 'push',
    start: async () => {},
    stop: async () => {},
  };
}
