import type { Subscription } from '@notify/bus';
import { intakeLaneOf } from '@notify/contracts';
import type { ApiToken } from '@notify/http';
import type { ServiceDeps, ServiceModule } from '@notify/runtime';
import { registerRulesRoutes } from './admin/rules-routes';
import { consumeIntake } from './handlers/intake';
import { consumeRuleChanges } from './handlers/rules-changes';
import { registerHttpIntake } from './intake/http-intake';
import { RulesCache } from './rules/rules-cache';

export interface RouterOptions {
  maxBatchEvents: number;
  intakeTokens: readonly ApiToken[];
  adminTokens: readonly ApiToken[];
  rulesRefreshMs: number;
}

/** The router as a module: HTTP intake, the rules admin API, and the consumers of both intake lanes. */
export function createRouterModule(deps: ServiceDeps, options: RouterOptions): ServiceModule {
  const cache = new RulesCache(deps.store.rules, deps.logger.child({ module: 'rules' }));
  const tokens = [...options.intakeTokens, ...options.adminTokens];
  registerHttpIntake(deps.http.app, { bus: deps.bus, maxBatchEvents: options.maxBatchEvents, tokens, laneOf: (event) => intakeLaneOf(cache.current.evaluate(event).outcome.priority) });
  registerRulesRoutes(deps.http.app, { rules: deps.store.rules, bus: deps.bus, cache, tokens });
  let subscriptions: Subscription[] = [];
  let refresh: NodeJS.Timeout | undefined;
  return {
    name: 'router',
    start: async () => {
      await cache.reload();
      subscriptions = [await consumeRuleChanges(deps.bus, cache, deps.instanceId), ...(await consumeIntake(deps.bus, cache, deps.store.idempotency))];
      refresh = setInterval(() => void cache.reload(), options.rulesRefreshMs);
      refresh.unref();
    },
    stop: async () => {
      clearInterval(refresh);
      await Promise.all(subscriptions.map((s) => s.stop()));
    },
  };
}
