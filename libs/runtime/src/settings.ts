import { commonSettings, env, infrastructureSettings, setting } from '@notify/config';

/** Settings of a service that runs alone: it needs the real Kafka and MongoDB. */
export function standaloneSettings(defaultPort: number) {
  return {
    ...commonSettings,
    ...infrastructureSettings,
    port: setting('PORT', env.port(defaultPort), 'HTTP port for the API, /healthz, /readyz and /metrics'),
  };
}
