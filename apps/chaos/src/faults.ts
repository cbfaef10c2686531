import type { Deployment, ServiceName } from './deployment';

/** One thing that goes wrong in production, done to the running product. */
export interface Fault {
  name: string;
  /** Does the damage and undoes it (restart); resolves once the product says it is ready again. */
  inject(deployment: Deployment): Promise<void>;
}

/** How long a killed service, the broker or the database stays away before it is started again. */
export interface Outages {
  serviceDownMs: number;
  infraDownMs: number;
}

const killAndRestart = (service: ServiceName, downMs: number): Fault => ({
  name: `kill -9 ${service}`,
  async inject(deployment) {
    await deployment.kill(service);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await deployment.startService(service);
  },
});

/** Every fault the suite injects, in turn: each service killed, then the broker, then the database restarted. */
export function faults(outages: Outages): Fault[] {
  return [
    killAndRestart('router', outages.serviceDownMs),
    killAndRestart('gateway', outages.serviceDownMs),
    killAndRestart('presence', outages.serviceDownMs),
    killAndRestart('push', outages.serviceDownMs),
    {
      name: 'restart the broker',
      async inject(deployment) {
        await deployment.restartBroker(outages.infraDownMs);
        await deployment.waitAllReady();
      },
    },
    {
      name: 'restart the database',
      async inject(deployment) {
        await deployment.restartDatabase(outages.infraDownMs);
        await deployment.waitAllReady();
      },
    },
  ];
}
