import type { Bus, Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { RulesCache } from '../rules/rules-cache';

/**
 * Every router instance must see every change, so each reads rules.changes in a group of its own,
 * from the end: it loaded the current rules on start.
 */
export function consumeRuleChanges(bus: Bus, cache: RulesCache, instanceName: string): Promise<Subscription> {
  return bus.subscribe(topics.rulesChanges, { groupId: `router-rules-${instanceName}`, fromBeginning: false, commitOffsets: false }, async () => cache.reload());
}
