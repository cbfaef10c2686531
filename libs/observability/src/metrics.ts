import { Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process, labelled with the service, served on /metrics. */
export function createMetricsRegistry(service: string, { processMetrics = true } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Returns the metric registered under `name`, creating it once. Components built twice in one
 * process (two consumers, a test's second instance) share the metric instead of failing to register.
 */
export function metric<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}
