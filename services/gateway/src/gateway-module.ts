import type { ServiceDeps, ServiceModule } from '@notify/runtime';

/** The gateway service as a module of a process; its consumers and routes are registered here. */
export function createGatewayModule(_deps: ServiceDeps): ServiceModule {
  return {
    name: 'gateway',
    start: async () => {},
    stop: async () => {},
  };
}
