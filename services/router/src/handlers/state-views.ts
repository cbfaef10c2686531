import { followState, type Subscription } from '@notify/bus';
import { topics, type TopicSpec } from '@notify/contracts';
import type { ServiceDeps } from '@notify/runtime';
import type { PreferencesView } from '../preferences/preferences-view';
import type { PresenceView } from '../presence/presence-view';

/** How long start-up waits for a view to catch up before routing anyway (and saying so). */
const CATCH_UP_TIMEOUT_MS = 60_000;

type ViewDeps = Pick<ServiceDeps, 'bus' | 'instanceName' | 'logger'>;

/**
 * Every router instance keeps its own copy of a compacted state topic: a group of its own, from the
 * beginning. Intake starts only once the view holds what the topic held, so no event is routed
 * against presence or preferences that are still loading.
 */
async function followView<T>(deps: ViewDeps, topic: TopicSpec<T>, name: string, apply: (value: T) => void, size: () => number): Promise<Subscription> {
  const started = Date.now();
  const { subscription, caughtUp } = await followState(deps.bus, topic, { groupId: `router-${name}-${deps.instanceName}` }, (value) => apply(value));
  const timedOut = await Promise.race([caughtUp.then(() => false), new Promise<boolean>((resolve) => setTimeout(resolve, CATCH_UP_TIMEOUT_MS, true).unref())]);
  const detail = { view: name, entries: size(), ms: Date.now() - started };
  if (timedOut) deps.logger.warn(detail, 'view still catching up; routing with what it holds');
  else deps.logger.info(detail, 'view caught up');
  return subscription;
}

/** Who is online, from `presence.state`: in-app first or push at once. */
export const followPresence = (deps: ViewDeps, view: PresenceView) => followView(deps, topics.presenceState, 'presence', (state) => view.apply(state), () => view.onlineCount);

/** Opt-outs, quiet hours and time zones, from `preferences.state`. */
export const followPreferences = (deps: ViewDeps, view: PreferencesView) => followView(deps, topics.preferencesState, 'preferences', (state) => view.apply(state), () => view.size);
