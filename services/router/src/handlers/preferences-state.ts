import { followState, type Subscription } from '@notify/bus';
import { topics } from '@notify/contracts';
import type { ServiceDeps } from '@notify/runtime';
import type { PreferencesView } from '../preferences/preferences-view';

/** How long start-up waits for the view to catch up before routing anyway (and saying so). */
const CATCH_UP_TIMEOUT_MS = 60_000;

/**
 * Every router instance keeps every user's preferences: a group of its own, from the beginning of the
 * compacted topic. Intake starts only once the view holds what the topic held, so no event is routed
 * against preferences that are still loading.
 */
export async function followPreferences(deps: Pick<ServiceDeps, 'bus' | 'instanceId' | 'logger'>, view: PreferencesView): Promise<Subscription> {
  const started = Date.now();
  const { subscription, caughtUp } = await followState(deps.bus, topics.preferencesState, { groupId: `router-preferences-${deps.instanceId}` }, (state) => view.apply(state));
  const timedOut = await Promise.race([caughtUp.then(() => false), new Promise<boolean>((resolve) => setTimeout(resolve, CATCH_UP_TIMEOUT_MS, true).unref())]);
  if (timedOut) deps.logger.warn({ users: view.size, waitedMs: Date.now() - started }, 'preferences view still catching up; routing with what it holds');
  else deps.logger.info({ users: view.size, ms: Date.now() - started }, 'preferences view caught up');
  return subscription;
}
